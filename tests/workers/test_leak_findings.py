"""Leaks that used to pass silently are reported, and the user can overrule a leakage finding.

Each case is a small synthetic (or bundled scikit-learn) table reproducing what the audit of issue 10 found:
near-duplicate rows across the split, a noisy copy of the label, two columns whose difference is the label,
and a real measurement (wine's proline) called a leak with an override that did not change the outcome.
Every suggestion a message makes is followed here, and the outcome must change.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.datasets import load_wine

from service.cli.terminal_report import render_report
from service.dashboard import report_view
from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.checks import TOO_GOOD_AUC, too_good_findings
from workers.data.dataset import Dataset
from workers.data.loading import load_dataset
from workers.errors import InvalidOption, NoUsableFeatures
from workers.preparation import prepare
from workers.report.html import render_html
from workers.split import (
    DEFAULT_SEED,
    NEAR_DUPLICATE_DIGITS,
    feature_row_groups,
    make_split,
    near_duplicate_groups,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUGGESTED_KEEP = re.compile(r"--keep-column (\S+?)(?=[\s).,;]|$)")


def _config(target: str, **overrides: object) -> AssessmentConfig:
    settings: dict = {
        "target": target,
        "seed": DEFAULT_SEED,
        "device": "cpu",
        "n_resamples": 50,
        "run_deep": False,
        "learning_curve": False,
        "n_jobs": 1,
    }
    settings.update(overrides)
    return AssessmentConfig(**settings)


def _checks(prepared_findings: list, check: str) -> list:
    return [f for f in prepared_findings if f.check == check]


# --- near-duplicate rows ---------------------------------------------------------------------------------


def _with_near_duplicates(tmp_path: Path, n: int = 400, copies: int = 100) -> Dataset:
    """`copies` rows repeated with float noise of one part in 10^12: a copy a model can memorise."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 3)) * [1.0, 50.0, 0.01]
    y = (x[:, 0] + rng.normal(size=n) > 0).astype(int)
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=np.where(y == 1, "yes", "no"))
    twins = frame.sample(copies, random_state=4)
    noise = 1 + rng.uniform(-1e-12, 1e-12, size=(copies, 3))
    twins = twins.assign(**{col: twins[col] * noise[:, i] for i, col in enumerate("abc")})
    return load_dataset(write_csv(pd.concat([frame, twins], ignore_index=True), tmp_path), target="label")


def test_near_duplicate_rows_are_counted_and_kept_in_one_split(tmp_path: Path) -> None:
    dataset = _with_near_duplicates(tmp_path)
    features = dataset.features[dataset.trainable_columns()]
    assert len(np.unique(feature_row_groups(features))) == 500  # no exact duplicate at all
    groups = near_duplicate_groups(features)
    assert len(np.unique(groups)) == 400
    prepared = prepare(dataset, seed=DEFAULT_SEED)
    # Every near-duplicate pair sits in one part of the split: none can be memorised from train.
    parts_per_group = pd.Series(prepared.split.assignment).groupby(groups).nunique()
    assert parts_per_group.max() == 1
    (near,) = _checks(prepared.findings, "near_duplicate_rows")
    assert near.severity == "warning" and near.value == 100
    assert f"{NEAR_DUPLICATE_DIGITS} significant digits" in near.message and "100 group(s)" in near.message
    (straddle,) = _checks(prepared.findings, "duplicates_across_splits")
    assert straddle.severity == "info" and "(0 groups straddle)" in straddle.message


def test_a_file_without_near_duplicates_keeps_its_split() -> None:
    """Grouping near-duplicates changes nothing for a file that has none: the split ids pinned before."""
    cancer = load_dataset(EXAMPLES / "breast_cancer.csv", target="diagnosis")
    assert make_split(cancer).split_id == "dfd45ba97f1e7893"
    penguins = load_dataset(EXAMPLES / "penguins_raw.csv", target="Species")
    assert make_split(penguins).split_id == "6b14caff9fdbd342"
    features = cancer.features[cancer.trainable_columns()]
    assert (near_duplicate_groups(features) == feature_row_groups(features)).all()


# --- strong but plausible single columns ------------------------------------------------------------------


def test_a_noisy_copy_of_the_label_is_a_warning_with_its_number(tmp_path: Path) -> None:
    frame = churn_frame(600, seed=2)
    rng = np.random.default_rng(8)
    # The label plus noise: alone it reaches AUC ~0.97 — a copy of the outcome, not a measurement of it.
    frame["noisy_copy"] = (frame["churned"] == "yes") + rng.normal(0, 0.37, len(frame))
    dataset = load_dataset(write_csv(frame, tmp_path), target="churned")
    prepared = prepare(dataset, seed=DEFAULT_SEED)
    (warning,) = _checks(prepared.findings, "near_leakage")
    assert warning.severity == "warning" and warning.columns == ["noisy_copy"]
    assert warning.value is not None and 0.95 <= warning.value < 0.98
    assert f"AUC {warning.value:.3f}" in warning.message
    assert "noisy_copy" in prepared.used_columns  # warned, not excluded
    assert "--keep-column" not in warning.message  # nothing to keep: it is not left out


# --- the override -----------------------------------------------------------------------------------------


def _wine(tmp_path: Path) -> Path:
    """scikit-learn's wine data, class 0 against the rest: `proline`, a real measurement, reaches AUC 0.984."""
    wine = load_wine(as_frame=True)
    frame = wine.data.assign(class_0=np.where(wine.target == 0, "yes", "no"))
    return write_csv(frame, tmp_path, "wine.csv")


def test_keep_column_turns_the_leak_into_kept_by_you_and_the_verdict_is_computed(tmp_path: Path) -> None:
    path = _wine(tmp_path)
    dataset = load_dataset(path, target="class_0")
    refused = prepare(dataset, seed=DEFAULT_SEED)
    (leak,) = _checks(refused.findings, "label_leakage")
    assert leak.severity == "error" and leak.columns == ["proline"] and "proline" in refused.excluded
    # Follow the message's own suggestion.
    suggested = SUGGESTED_KEEP.findall(leak.message)
    assert suggested == ["proline"]
    kept = prepare(dataset, seed=DEFAULT_SEED, keep_columns=suggested)
    (overruled,) = _checks(kept.findings, "label_leakage")
    assert overruled.severity == "info" and "Kept by you" in overruled.message
    assert "verdict is computed normally" in overruled.message
    assert "proline" in kept.used_columns and "proline" not in kept.excluded
    assert not [f for f in kept.findings if f.severity == "error"]

    before = assess_file(path, _config("class_0"), InMemoryStore())
    after = assess_file(path, _config("class_0", keep_columns=tuple(suggested)), InMemoryStore())
    assert before["verdict"]["code"] == "fix_data_first"
    assert after["verdict"]["code"] != "fix_data_first"
    assert "proline" not in after["verdict"]["summary"]
    assert "proline" in after["dataset"]["used_columns"]
    kept_check = next(f for f in after["checks"] if f["check"] == "label_leakage")
    assert kept_check["severity"] == "info" and "Kept by you" in kept_check["message"]


def test_the_missingness_leak_suggestion_changes_the_outcome_too(tmp_path: Path) -> None:
    frame = churn_frame(400, seed=6)
    rng = np.random.default_rng(6)
    frame["exit_survey"] = np.where(frame["churned"] == "yes", rng.integers(1, 6, len(frame)), np.nan)
    dataset = load_dataset(write_csv(frame, tmp_path), target="churned")
    refused = prepare(dataset, seed=DEFAULT_SEED)
    errors = [f for f in refused.findings if f.severity == "error"]
    assert errors and all("exit_survey" in f.columns for f in errors)
    suggested = sorted({name for f in errors for name in SUGGESTED_KEEP.findall(f.message)})
    assert suggested == ["exit_survey"]
    kept = prepare(dataset, seed=DEFAULT_SEED, keep_columns=suggested)
    assert not [f for f in kept.findings if f.severity == "error"]
    assert "exit_survey" in kept.used_columns


def test_a_flag_that_would_change_nothing_is_neither_suggested_nor_taken(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "always_one": np.ones(300),
            "nothing": np.full(300, np.nan),
            "refund": np.r_[np.linspace(10, 20, 150), -np.linspace(1, 5, 150)],
            "label": np.r_[["yes"] * 150, ["no"] * 150],
        }
    )
    dataset = load_dataset(write_csv(frame, tmp_path), target="label")
    with pytest.raises(NoUsableFeatures) as refused:
        prepare(dataset, seed=DEFAULT_SEED)
    # Only the leaky column is worth keeping; the constant and empty ones would change nothing.
    assert SUGGESTED_KEEP.findall(refused.value.detail) == ["refund"]
    assert prepare(dataset, seed=DEFAULT_SEED, keep_columns=["refund"]).used_columns == ["refund"]
    for futile in ("always_one", "nothing"):
        with pytest.raises(InvalidOption, match=f"cannot learn from: '{futile}'") as error:
            prepare(dataset, seed=DEFAULT_SEED, keep_columns=[futile])
        assert error.value.field == "keep_columns"
    with pytest.raises(NoUsableFeatures) as nothing:
        only_constant = load_dataset(
            write_csv(frame[["always_one", "nothing", "label"]], tmp_path, "c.csv"), target="label"
        )
        prepare(only_constant, seed=DEFAULT_SEED)
    assert "--keep-column" not in nothing.value.detail


# --- too good to be true ----------------------------------------------------------------------------------


def test_two_columns_whose_difference_is_the_label_are_too_good_to_be_true(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 600
    y = rng.integers(0, 2, n)
    a = rng.normal(0, 1, n)
    frame = pd.DataFrame({"a": a, "b": a - y, "noise": rng.normal(size=n), "label": np.where(y, "yes", "no")})
    path = write_csv(frame, tmp_path)
    dataset = load_dataset(path, target="label")
    prepared = prepare(dataset, seed=DEFAULT_SEED)
    assert not [f for f in prepared.findings if "leak" in f.check]  # no single column gives it away
    report = assess_file(path, _config("label"), InMemoryStore())
    (too_good,) = [f for f in report["checks"] if f["check"] == "too_good_to_be_true"]
    assert too_good["severity"] == "warning"
    assert "Logistic regression 1.000" in too_good["message"]
    assert "difference or sum of two" in too_good["message"]
    assert "rule out a leak" in report["verdict"]["summary"]
    # Every reader shows it: the HTML report and the dashboard with the leaks, the terminal in its checks.
    assert "Too good to be true" in render_html(report)
    assert [item["check"] for item in report_view.findings(report["checks"])["leaks"]] == [
        "too_good_to_be_true"
    ]
    console = Console(record=True, width=200)
    render_report(console, report)
    assert "too_good_to_be_true" in console.export_text()


def test_too_good_reads_near_perfect_auc_and_the_human_level() -> None:
    honest = {"Logistic regression": {"roc_auc": 0.91}, "XGBoost": {"roc_auc": 0.93}}
    assert too_good_findings(honest) == []
    (perfect,) = too_good_findings({**honest, "Random forest": {"roc_auc": TOO_GOOD_AUC}})
    assert "Random forest 0.995" in perfect.message and perfect.value == TOO_GOOD_AUC
    # A human reaching 0.80: 0.93 halves the error and is 0.13 above — suspect; 0.85 is not.
    (beyond,) = too_good_findings(honest, human_level=0.80)
    assert "XGBoost 0.930" in beyond.message and "Logistic regression 0.910" in beyond.message
    assert too_good_findings(honest, human_level=0.88) == []
    assert too_good_findings(honest, human_level=0.80, human_metric="pr_auc") == []  # not measured
