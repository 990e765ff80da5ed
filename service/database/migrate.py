"""Schema migrations: Alembic for our tables and Procrastinate's job tables, applied together."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from service.database.engine import check_connection
from workers.errors import ReadinessError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Concurrent `serve` and `worker` starts would otherwise race to create the same tables.
MIGRATION_LOCK_ID = 7_356_201


class SchemaNotAtHead(ReadinessError):
    """The database schema is not at the version this code expects; run `readiness migrate`."""

    code = "schema_not_at_head"
    http_status = 503


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> str | None:
    """Apply every pending migration (idempotent; safe to call from several processes at once)."""
    check_connection(engine)
    config = alembic_config()
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(engine)


def ensure_at_head(engine: Engine) -> None:
    """Refuse to run on a schema older or newer than this code."""
    check_connection(engine)
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaNotAtHead(
            f"The database schema is at {current or 'nothing'}, this version of Readiness needs {head}. "
            "Run `readiness migrate`."
        )
