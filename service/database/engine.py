"""Engines and sessions over the one Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url
from sqlmodel import Session

from service.database.embedded import embedded_url
from service.settings import Settings


def resolve_database_url(settings: Settings) -> str:
    """The external server when READINESS_DATABASE_URL is set, else the embedded one (started here)."""
    return settings.database_url or embedded_url(settings.embedded_data_path)


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy needs the driver named; plain postgresql:// URLs use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """psycopg (and Procrastinate) take the URL without SQLAlchemy's driver suffix."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    """The same server, another database."""
    return make_url(sqlalchemy_url(url)).set(database=name).render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=5, max_overflow=10)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    # Rows stay readable after the commit: callers return them to the API or hand them to the next step.
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
