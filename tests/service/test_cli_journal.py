"""The journal and grids from the command line: `readiness grid` reuses what ran, `assess` warns on a
repeat, `journal list|show|note|export` read and annotate the same records the API shows."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


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


def _grid_file(tmp_path: Path, values: list[float]) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(
        f"data: {EXAMPLES / 'breast_cancer.csv'}\ntarget: diagnosis\npositive: malignant\n"
        f"family: logistic_regression\nproject: bc\nhypothesis: stronger L2 helps\ngrid:\n  C: {values}\n"
    )
    return path


def test_a_grid_from_the_cli_reuses_points_and_the_journal_reads_back(tmp_path: Path) -> None:
    first = _run("grid", str(_grid_file(tmp_path, [0.01, 0.1])))
    assert "2 points, 0 reused" in first and "Grid leaderboard" in first and "Ladder" in first
    second = _run("grid", str(_grid_file(tmp_path, [0.01, 0.1, 1.0])), "--promote", "best C for the report")
    assert "3 points, 2 reused" in second and "(reused)" in second
    assert "Test split, best point" in second and "test looks used 1 of 3" in second
    assert "(promoted)" in second and "test ROC-AUC 0.9" in second

    listing = _run("journal", "list", "--project", "bc")
    assert listing.count("logistic_regression") == 3
    table = list(csv.DictReader(io.StringIO(_run("journal", "export", "--project", "bc", "--format", "csv"))))
    assert sorted(row["hyperparameters"].split(", ")[0] for row in table) == ["C=0.01", "C=0.1", "C=1.0"]
    assert sum(bool(row["test_roc_auc"]) for row in table) == 1

    short_id = table[0]["id"][:8]
    _run("journal", "note", short_id, "--inference", "C=0.1 is as good as C=1: keep the default.")
    shown = _run("journal", "show", short_id)
    assert "keep the default" in shown and "stronger L2 helps" in shown and "changed the inference" in shown
    markdown = _run("journal", "export", "--project", "bc")
    assert "keep the default" in markdown and "## " in markdown


def test_cli_mistakes_exit_2_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"data: {EXAMPLES / 'breast_cancer.csv'}\ntarget: diagnosis\nfamily: xgboost\ngrid: {{depth: [1]}}\n"
    )
    result = CliRunner().invoke(main, ["grid", str(bad)])
    assert result.exit_code == 2 and "depth" in result.output and "Traceback" not in result.output
    typo = tmp_path / "typo.yaml"
    typo.write_text("data: x.csv\ntarget: y\nfamliy: xgboost\n")
    result = CliRunner().invoke(main, ["grid", str(typo)])
    assert result.exit_code == 2 and "famliy" in result.output and "missing family" in result.output
    wrong_type = tmp_path / "types.yaml"
    wrong_type.write_text(
        f"data: {EXAMPLES / 'breast_cancer.csv'}\ntarget: diagnosis\nfamily: xgboost\nseed: abc\n"
    )
    result = CliRunner().invoke(main, ["grid", str(wrong_type)])
    assert result.exit_code == 2 and "seed must be a whole number" in result.output
    result = CliRunner().invoke(main, ["journal", "show", "deadbeef"])
    assert result.exit_code == 2 and "No experiment deadbeef" in result.output


def test_assessing_the_same_file_twice_warns_that_its_models_already_ran() -> None:
    args = [
        "assess",
        str(EXAMPLES / "breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--positive",
        "malignant",
        "--no-deep",
        "--resamples",
        "200",
        "--quiet",
    ]
    first = _run(*args)
    assert "already ran" not in first
    second = _run(*args)
    assert "Journal: Logistic regression already ran on this data" in second
    listing = _run("journal", "list", "--kind", "assessment")
    assert listing.count("repeat of") == 3
    # The learning curve's points (the best baseline on 10/25/50% of train) ran once, as jobs of their own;
    # the second assessment found them in the journal and reused them.
    curve = _run("journal", "list", "--kind", "learning_curve")
    assert curve.count("succeeded") == 3 and "repeat of" not in curve


def test_journal_list_prints_tsv_when_piped_and_fits_a_narrow_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("grid", str(_grid_file(tmp_path, [0.01, 0.1])))
    piped = _run("journal", "list", "--model", "Logistic Regression")  # CliRunner's output is not a terminal
    header, *rows = [line.split("\t") for line in piped.splitlines()]
    assert header[:4] == ["id", "when (UTC)", "project", "kind"] and header[-1] == "hypothesis"
    assert len(rows) == 2 and all(len(row) == len(header) for row in rows)
    assert {row[2] for row in rows} == {"bc"} and {row[-1] for row in rows} == {"stronger L2 helps"}

    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # as in a terminal…
    monkeypatch.setenv("COLUMNS", "80")  # …of 80 columns
    table = re.sub(r"\x1b\[[0-9;]*m", "", _run("journal", "list"))  # colours off: the text a person reads
    assert "\t" not in table and max(len(line) for line in table.splitlines()) <= 80
    assert all(row[0] in table for row in rows)  # every experiment's id, whole


def test_quiet_prints_the_verdict_line_only(tmp_path: Path) -> None:
    args = ["assess", str(EXAMPLES / "breast_cancer.csv"), "--target", "diagnosis", "--positive", "malignant",
            "--no-deep", "--no-learning-curve", "--resamples", "200", "--quiet", "--json-out", str(tmp_path / "r.json")]
    _run(*args)
    again = CliRunner().invoke(main, args)  # a repeat: the journal warns, on stderr
    assert again.exit_code == 0, again.output
    (line,) = again.stdout.splitlines()
    verdict = json.loads((tmp_path / "r.json").read_text())["verdict"]
    assert line.startswith(f"{verdict['code']}: ")
    assert "Journal:" in again.stderr and "JSON report" not in again.output
