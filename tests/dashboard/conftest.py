"""The dashboard's tests run on the service tests' real Postgres: one embedded server per session, a fresh
database per test cloned from a migrated template."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.settings import Settings
from tests.service.conftest import database_url, engine, postgres_server, settings
from tests.service.test_api_harness import running_api

__all__ = ["database_url", "engine", "postgres_server", "settings"]  # fixtures, re-exported for pytest


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """The app (API and dashboard) on this test's database. Redirects are not followed, so tests see them."""
    with running_api(settings) as client:
        client.follow_redirects = False
        yield client
