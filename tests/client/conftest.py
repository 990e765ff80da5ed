"""The client's tests share one live server (with a worker) on the service tests' real Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from readiness_client import Client
from service.auth import create_key
from tests.dashboard.live_server import LiveServer, live_server
from tests.service.conftest import postgres_server

__all__ = ["postgres_server"]  # a fixture, re-exported for pytest


@pytest.fixture(scope="package")
def server(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(postgres_server, tmp_path_factory.mktemp("client-home")) as running:
        yield running


@pytest.fixture(scope="package")
def rd(server: LiveServer) -> Iterator[Client]:
    """A client with an admin key (raising a budget needs one), as a notebook would hold it."""
    key = create_key(server.engine, team_name="notebook", name="Ada Lovelace", admin=True)
    with Client(server.base_url, api_key=key, timeout=120) as client:
        yield client
