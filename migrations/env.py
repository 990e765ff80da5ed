"""Alembic environment: the service's SQLModel tables on the one Postgres database.

`readiness migrate` passes the connection in; the `alembic` command line uses READINESS_* settings.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import service.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Procrastinate's tables are created from its own SQL (see 0001); autogenerate must not drop them."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from service.database.engine import make_engine, resolve_database_url
        from service.settings import Settings

        engine = make_engine(resolve_database_url(Settings()))
        with engine.begin() as connection:
            context.configure(
                connection=connection, target_metadata=target_metadata, include_name=include_name
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
