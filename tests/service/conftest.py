"""A real Postgres for the service tests: one embedded server per session, a fresh database per test
cloned from a template that is already migrated to head (cloning takes milliseconds, migrating does not)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import procrastinate
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.database.embedded import embedded_url
from service.database.engine import make_engine, with_database
from service.database.migrate import upgrade_to_head
from service.jobs.app import make_job_app
from service.settings import Settings

TEMPLATE = "readiness_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    # The server's unix socket lives in its data directory, whose path must stay short (~100 bytes).
    home = Path(tempfile.mkdtemp(prefix="rdy-pg-", dir="/tmp"))
    url = embedded_url(home / "pg")
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    template = make_engine(with_database(url, TEMPLATE))
    upgrade_to_head(template)
    template.dispose()
    yield url
    admin.dispose()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_server)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    yield with_database(postgres_server, name)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def job_app(settings: Settings) -> Iterator[procrastinate.App]:
    """A job app opened for sync use: what the API uses to queue jobs."""
    app = make_job_app(settings.database_url or "")
    with app.open():
        yield app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API on this test's database, with its lifespan (job queue open) for the whole test."""
    from tests.service.test_api_harness import running_api

    with running_api(settings) as client:
        yield client
