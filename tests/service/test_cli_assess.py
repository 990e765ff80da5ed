"""`readiness assess` as a user runs it: the real console script on the example, and clear exits on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from service.cli import main
from tests.factories import churn_frame, write_csv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


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
        },
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for shown in (
        "Data checks",
        "Baselines on validation",
        "Logistic regression",
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
        ("churn", ["--keep-column", "nope"], "not features"),
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
