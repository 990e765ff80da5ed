"""The README's examples run against a live server on the service tests' real Postgres."""

from __future__ import annotations

from tests.service.conftest import postgres_server

__all__ = ["postgres_server"]  # a fixture, re-exported for pytest
