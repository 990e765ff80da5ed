"""`readiness grid` over a TabM hyperparameter: the family is declared once (workers.families) and the grid,
its leaderboard and the journal take it like any other."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal width; keep each message on one line
    return database_url


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_tabm_grid_from_the_cli_trains_each_point_and_the_journal_lists_them(tmp_path: Path) -> None:
    spec = tmp_path / "tabm.yaml"
    spec.write_text(
        f"data: {EXAMPLES / 'breast_cancer.csv'}\ntarget: diagnosis\npositive: malignant\nfamily: tabm\n"
        "project: bc\nhypothesis: a wider ensemble helps\ngrid:\n  k: [2, 4]\n  max_epochs: [3]\n"
    )
    out = _run("grid", str(spec))
    assert "2 points, 0 reused" in out and "Grid leaderboard" in out
    listing = _run("journal", "list", "--project", "bc")
    assert listing.count("tabm") == 2
