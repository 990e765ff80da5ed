"""The database layer against the real embedded Postgres: migrations, the head check, artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import service.models  # noqa: F401
from service.artifacts import ArtifactStore
from service.database.migrate import SchemaNotAtHead, ensure_at_head, head_revision, upgrade_to_head
from workers.errors import FileTooLarge


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, kind, _: not (name or "").startswith("procrastinate_")},
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def test_procrastinate_schema_is_applied_alongside(engine: Engine) -> None:
    with engine.connect() as connection:
        tables = {row[0] for row in connection.execute(text("SELECT tablename FROM pg_tables"))}
    assert {"procrastinate_jobs", "procrastinate_workers", "test_look", "assessment"} <= tables


def test_service_refuses_a_schema_that_is_not_at_head(engine: Engine) -> None:
    ensure_at_head(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaNotAtHead, match="readiness migrate"):
        ensure_at_head(engine)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
    assert upgrade_to_head(engine) == head_revision()  # idempotent at head


def test_artifacts_are_content_addressed_and_never_half_written(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    a = store.put_bytes(b"label,x\n1,2\n", suffix=".csv")
    b = store.put_bytes(b"label,x\n1,2\n", suffix=".csv")
    assert a == b and a.endswith(".csv") and store.path(a).read_bytes() == b"label,x\n1,2\n"
    with pytest.raises(FileTooLarge):
        store.put_chunks([b"x" * 600, b"y" * 600], max_bytes=1000)
    assert list((tmp_path / "artifacts" / "tmp").iterdir()) == []
    assert store.get_object(store.put_object({"stage": [1, 2]})) == {"stage": [1, 2]}


@pytest.mark.parametrize("command", [["migrate"], ["keys", "create", "--team", "a"], ["worker"]])
def test_an_unreachable_database_is_a_clear_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from click.testing import CliRunner

    from service.cli.main import main

    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    monkeypatch.setenv("READINESS_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/readiness")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2
    assert "Cannot reach the database" in result.output and "READINESS_DATABASE_URL" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output
