"""`readiness assess` as a user runs it: the real console script on the example, and clear exits on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from service.cli.main import main
from service.settings import Settings
from tests.factories import churn_frame, write_csv
from tests.service.test_api_harness import API, bearer, running_api

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    """Each test records into its own fresh database and home, as a new user's machine would."""
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    return database_url


def _readiness() -> list[str]:
    script = Path(sys.executable).parent / "readiness"
    return [str(script)] if script.exists() else ["readiness"]


def test_the_readme_command_on_the_example_writes_both_reports(tmp_path: Path) -> None:
    json_out, html_out = tmp_path / "report.json", tmp_path / "report.html"
    result = subprocess.run(
        [
            *_readiness(),
            "assess",
            str(EXAMPLES / "breast_cancer.csv"),
            "--target",
            "diagnosis",
            "--positive",
            "malignant",
            "--answers",
            str(EXAMPLES / "answers.yaml"),
            "--max-epochs",
            "15",
            "--json-out",
            str(json_out),
            "--html-out",
            str(html_out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "COLUMNS": "160",
            "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
            "OMP_NUM_THREADS": "2",
            "READINESS_DATABASE_URL": os.environ["READINESS_DATABASE_URL"],
            "READINESS_HOME": os.environ["READINESS_HOME"],
        },
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for shown in (
        "Data checks",
        "baseline Logistic regression: validation ROC-AUC",
        "ResNet MLP",
        "ROC-AUC",
        "Verdict",
    ):
        assert shown in out
    report = json.loads(json_out.read_text())
    assert report["dataset"]["rows"] == 569
    assert report["dataset"]["positive_label"] == "malignant"
    assert report["test_budget"] == {"limit": 3, "used": 1}
    assert report["verdict"]["summary"] in " ".join(out.split()) or report["verdict"]["code"] in out
    assert report["readiness"]["criteria"]["fault_tolerance"]["score"] is not None  # answered in answers.yaml
    html = html_out.read_text()
    assert "<svg" in html and "http://" not in html and "https://" not in html


def test_messy_real_csv_with_yes_no_labels_and_leak(tmp_path: Path) -> None:
    json_out = tmp_path / "penguins.json"
    result = CliRunner().invoke(
        main,
        [
            "assess",
            str(EXAMPLES / "penguins_raw.csv"),
            "--target",
            "Clutch Completion",
            "--positive",
            "No",
            "--no-deep",
            "--resamples",
            "200",
            "--quiet",
            "--json-out",
            str(json_out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(json_out.read_text())
    assert report["verdict"]["code"] == "fix_data_first"
    assert "Comments" not in report["dataset"]["used_columns"]
    assert "fix_data_first" in result.output


@pytest.fixture
def churn_csv(tmp_path: Path) -> Path:
    return write_csv(churn_frame(300), tmp_path)


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.csv",
        "binary": tmp_path / "binary.csv",
        "all_nan": tmp_path / "all_nan.csv",
        "one_class": tmp_path / "one_class.csv",
        "small_class": tmp_path / "small_class.csv",
        "continuous": tmp_path / "continuous.csv",
    }
    files["empty"].write_text("")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    frame = churn_frame(300)
    pd.DataFrame({"a": [None] * 100, "b": [None] * 100, "churned": ["yes", "no"] * 50}).to_csv(
        files["all_nan"], index=False
    )
    frame.assign(churned="no").to_csv(files["one_class"], index=False)
    frame.assign(churned=["yes"] * 3 + ["no"] * 297).to_csv(files["small_class"], index=False)
    frame.to_csv(files["continuous"], index=False)
    return files


@pytest.mark.parametrize(
    ("case", "extra", "words"),
    [
        ("missing", [], "No such file"),
        ("empty", [], "is empty"),
        ("binary", [], "binary file"),
        ("all_nan", [], "No column can be learned from"),
        ("one_class", [], "single class"),
        ("small_class", [], "fewer than 10 rows"),
        ("continuous", ["--target", "monthly_charges"], "continuous"),
        ("churn", ["--target", "churn_flag"], "not in"),
        ("churn", ["--max-file-mb", "0.001"], "limit"),
        ("churn", ["--positive", "maybe"], "is not a value"),
        ("churn", ["--keep-column", "nope"], "not in the dataset"),
        ("churn", ["--answers", "does-not-exist.yaml"], "answers"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_no_traceback(
    tmp_path: Path, churn_csv: Path, case: str, extra: list[str], words: str
) -> None:
    files = _bad_files(tmp_path)
    path = churn_csv if case == "churn" else files.get(case, tmp_path / "missing.csv")
    args = ["assess", str(path), "--target", "churned", "--no-deep", "--quiet", *extra]
    if "--target" in extra:
        args = ["assess", str(path), "--no-deep", "--quiet", *extra]
    json_out = tmp_path / "should_not_exist.json"
    result = CliRunner().invoke(main, [*args, "--json-out", str(json_out)])
    assert result.exit_code == 2, result.output
    assert words.lower() in result.output.lower()
    assert "Traceback" not in result.output
    assert not json_out.exists()


def test_a_refused_file_leaves_no_project_behind(tmp_path: Path, engine: Engine) -> None:
    # Issue 14: "No column can be learned from" used to leave an empty project in the database.
    files = _bad_files(tmp_path)
    result = CliRunner().invoke(main, ["assess", str(files["all_nan"]), "--target", "churned", "--quiet"])
    assert result.exit_code == 2 and "No column can be learned from" in result.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM project")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM dataset")).scalar_one() == 0


def test_what_the_cli_did_is_visible_through_the_api_and_the_budget_binds(
    tmp_path: Path, settings: Settings, engine: Engine
) -> None:
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
        "--test-budget",
        "2",
        "--quiet",
    ]
    for _ in range(2):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2
    assert "looked at 2 of 2 times" in refused.output and "Traceback" not in refused.output

    headers = bearer(engine, "local")  # the CLI records under the team "local"
    with running_api(settings) as client:
        projects = client.get(f"{API}/projects", headers=headers).json()
        assert [p["name"] for p in projects["data"]] == ["breast_cancer"]
        project_id = projects["data"][0]["id"]
        datasets = client.get(f"{API}/projects/{project_id}/datasets", headers=headers).json()
        assert len(datasets["data"]) == 1  # the same file twice is one dataset, so one split and budget
        assessments = client.get(f"{API}/projects/{project_id}/assessments", headers=headers).json()
        assert [a["status"] for a in assessments["data"]] == ["succeeded", "succeeded"]
        splits = client.get(f"{API}/datasets/{datasets['data'][0]['id']}/splits", headers=headers).json()
        split = splits["data"][0] if isinstance(splits, dict) else splits[0]
        ledger = client.get(f"{API}/splits/{split['id']}/ledger", headers=headers).json()
        looks = ledger["data"] if isinstance(ledger, dict) else ledger
        assert len(looks) == 2
