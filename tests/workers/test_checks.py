"""Data checks find what a careful analyst would, and leaky columns are kept out of training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.factories import churn_frame, write_csv
from workers.checks import excluded_columns, run_checks
from workers.data.loading import load_dataset
from workers.split import make_split

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _findings(frame: pd.DataFrame, tmp_path: Path, target: str = "churned", **kwargs):
    dataset = load_dataset(write_csv(frame, tmp_path), target=target, **kwargs)
    findings = run_checks(dataset, make_split(dataset))
    return dataset, findings


def _by_check(findings) -> dict[str, list]:
    out: dict[str, list] = {}
    for finding in findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def test_planted_leaky_column_is_an_error_and_left_out(tmp_path: Path) -> None:
    frame = churn_frame()
    rng = np.random.default_rng(5)
    # A "refund issued" amount recorded after the customer left: a perfect proxy for the label.
    frame["refund_amount"] = np.where(frame["churned"] == "yes", rng.uniform(10, 50, len(frame)), 0.0)
    dataset, findings = _findings(frame, tmp_path)
    leaks = _by_check(findings)["label_leakage"]
    assert [f.columns for f in leaks] == [["refund_amount"]]
    assert leaks[0].severity == "error"
    assert findings[0].severity == "error"  # errors come first
    excluded = excluded_columns(dataset, findings)
    assert excluded["refund_amount"] == "label leakage"
    assert "refund_amount" not in excluded_columns(dataset, findings, keep={"refund_amount"})


def test_a_column_empty_exactly_when_the_label_is_no_is_leakage(tmp_path: Path) -> None:
    frame = churn_frame()
    rng = np.random.default_rng(6)
    frame["exit_survey_score"] = np.where(frame["churned"] == "yes", rng.integers(1, 6, len(frame)), np.nan)
    dataset, findings = _findings(frame, tmp_path)
    leaks = _by_check(findings)["missingness_leakage"]
    assert leaks[0].columns == ["exit_survey_score"] and leaks[0].severity == "error"
    assert "exit_survey_score" in excluded_columns(dataset, findings)


def test_categorical_leak_in_real_data_is_found() -> None:
    dataset = load_dataset(EXAMPLES / "penguins_raw.csv", target="Clutch Completion", positive="No")
    findings = run_checks(dataset, make_split(dataset))
    leaks = _by_check(findings)["label_leakage"]
    assert leaks[0].columns == ["Comments"]


def test_clean_data_has_no_errors(tmp_path: Path) -> None:
    _, findings = _findings(churn_frame(), tmp_path)
    assert [f for f in findings if f.severity == "error"] == []


def test_duplicates_and_conflicting_labels(tmp_path: Path) -> None:
    frame = churn_frame(400).drop(columns="customer_id")
    copies = frame.iloc[:40].copy()
    flipped = frame.iloc[40:80].copy()
    flipped["churned"] = np.where(flipped["churned"] == "yes", "no", "yes")
    frame = pd.concat([frame, copies, flipped], ignore_index=True)
    _, findings = _findings(frame, tmp_path)
    checks = _by_check(findings)
    assert checks["duplicate_rows"][0].value == frame.duplicated().sum() >= 40
    across = checks["duplicates_across_splits"][0]
    assert across.severity == "info" and "0 groups straddle" in across.message
    conflict = checks["conflicting_labels"][0]
    assert conflict.value >= 80 and conflict.severity == "error"


def test_id_constant_empty_and_sparse_columns(tmp_path: Path) -> None:
    frame = churn_frame()
    frame["source_system"] = "crm"
    frame["fax_number"] = np.nan
    row = np.arange(len(frame))
    frame["notes_code"] = pd.Series(np.where(row % 8 == 0, "A", "B")).where(row % 4 == 0)
    dataset, findings = _findings(frame, tmp_path)
    checks = _by_check(findings)
    assert checks["id_like_column"][0].columns == ["customer_id"]
    assert checks["constant_column"][0].columns == ["source_system"]
    assert checks["empty_column"][0].columns == ["fax_number"]
    assert any(f.columns == ["notes_code"] for f in checks["high_missingness"])
    excluded = excluded_columns(dataset, findings)
    assert {"customer_id", "source_system", "fax_number"} <= set(excluded)


def test_imbalance_and_too_few_test_positives(tmp_path: Path) -> None:
    frame = churn_frame(1000)
    frame["churned"] = ["yes"] * 40 + ["no"] * 960
    _, findings = _findings(frame, tmp_path)
    checks = _by_check(findings)
    assert checks["class_imbalance"][0].severity == "warning"
    assert "only 8 rows" in checks["few_positives"][0].message
