"""Engines and sessions over the one Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from service.database.embedded import embedded_url
from service.settings import Settings
from workers.errors import ReadinessError


class DatabaseUnavailable(ReadinessError):
    """The database does not answer right now; try again in a few seconds."""

    code = "database_unavailable"
    http_status = 503
    headers = {"Retry-After": "5"}  # noqa: RUF012 - read-only, one value for every instance


class DatabaseBusy(ReadinessError):
    """Every database connection of this server is in use; try again in a moment."""

    code = "database_busy"
    http_status = 503
    headers = {"Retry-After": "1"}  # noqa: RUF012 - read-only, one value for every instance


# Workers and the CLI: a few connections each, and a long wait, since nothing answers a client meanwhile.
POOL_SIZE = 5
POOL_OVERFLOW = 10
POOL_TIMEOUT_SECONDS = 30.0


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


def make_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = POOL_OVERFLOW,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
) -> Engine:
    """An engine with a pool of `pool_size` connections (+ `max_overflow` at peaks); a caller that finds
    them all busy for `pool_timeout` seconds gets sqlalchemy's TimeoutError (the API answers 503)."""
    return create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    # Rows stay readable after the commit: callers return them to the API or hand them to the next step.
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def check_connection(engine: Engine) -> None:
    """Fail with a clear message (not a driver traceback) when the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        where = make_url(engine.url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise DatabaseUnavailable(
            f"Cannot reach the database at {where}: {reason}. Check READINESS_DATABASE_URL, or unset it "
            "to use the embedded Postgres."
        ) from error
