"""The test metrics' interval methods as a user sees them: stored in the JSON report, named under the model
table of the HTML report, the dashboard's assessment page (same view) and the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from service.cli.terminal_report import render_report
from service.dashboard.report_view import results
from tests.factories import write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.report.html import render_html
from workers.report.model import Report

FIXTURES = Path(__file__).parent / "fixtures"
METHODS = {
    "roc_auc": "logit_delong",
    "pr_auc": "bootstrap_bc",
    "precision": "wilson",
    "recall": "wilson",
    "f1": "bootstrap_bc",
}
NOTE = (
    "95% intervals: ROC-AUC by DeLong variance on the logit scale (DeLong 1988; Pepe 2003); PR-AUC and F1 by "
    "bias-corrected bootstrap, rows resampled with their prevalence (Efron 1981); precision and recall by "
    "Wilson score interval (1927)."
)


def report_with_methods() -> dict[str, Any]:
    """The stored binary fixture as evaluated now: every interval names its method; a perfect precision."""
    report = json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8"))
    for model in report["models"]:
        for key, method in METHODS.items():
            model["test"][key]["method"] = method
    first = report["models"][0]["test"]
    first["precision"] = {"value": 1.0, "ci_low": 0.9082, "ci_high": 1.0, "method": "wilson"}
    first["n_predicted_positive"] = 38
    return report


def test_the_html_report_names_each_metrics_interval_and_shows_wilson_at_one() -> None:
    html = render_html(report_with_methods())

    assert NOTE in html
    assert "1.000 [0.908, 1.000]" in html
    assert "stratified bootstrap" not in html


def test_the_dashboard_view_carries_the_same_sentence() -> None:
    assert results(report_with_methods())["interval_note"] == NOTE


def test_the_terminal_names_the_methods_under_the_model_table() -> None:
    console = Console(width=400, record=True)
    render_report(console, report_with_methods())
    text = " ".join(console.export_text().split())

    assert NOTE in text
    assert "95% bootstrap CIs" not in text


def test_an_older_report_says_its_intervals_were_stratified_bootstrap_ones() -> None:
    stored = json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8"))

    html = render_html(stored)

    assert "95% intervals: ROC-AUC, PR-AUC, precision, recall and F1 by stratified bootstrap percentile" in html
    # The method and the predicted-positive count are optional: an older report round-trips unchanged.
    assert Report.model_validate(stored).model_dump(mode="json") == stored


def test_an_assessment_stores_each_intervals_method(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] + rng.normal(size=600) > 1.0, "yes", "no")
    config = AssessmentConfig(
        target="label",
        device="cpu",
        n_resamples=200,
        deep_params={"max_epochs": 2, "patience": 1},
        n_jobs=2,
        learning_curve=False,
    )

    report = assess_file(write_csv(frame, tmp_path), config, InMemoryStore())

    test = report["models"][0]["test"]
    methods = {key: test[key]["method"] for key in METHODS}
    # PR-AUC's method names whether the few-positives floor set the width (about 30 positives here).
    assert methods.pop("pr_auc") in ("logit_bootstrap_se", "logit_binomial_se")
    assert methods == {
        "roc_auc": "binormal_score",
        "precision": "wilson",
        "recall": "wilson",
        "f1": "wilson_jaccard",
    }
    assert test["n_predicted_positive"] >= 1
    assert "precision and recall by Wilson score interval (1927)" in render_html(report)
