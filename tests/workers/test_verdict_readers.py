"""The new verdicts and the ΔAUC interval as a user sees them: the HTML report's banner and comparison, the
terminal report, and the stored JSON (the dashboard's page is tests/dashboard/test_verdict_page.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from service.cli.terminal_report import render_report
from tests.factories import write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.report.html import render_html
from workers.report.model import Report

FIXTURES = Path(__file__).parent / "fixtures"
NO_SIGNAL = (
    "No usable signal: the best model, XGBoost, scores ROC-AUC 0.490 [0.452, 0.529], an interval that reaches "
    "chance (0.5); its decision threshold fell back to calling every row positive."
)


def no_signal_report() -> dict[str, Any]:
    """The stored binary fixture, judged by the new rule: no signal, with a ΔAUC interval and margin."""
    report = json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8"))
    report["comparison"].update(
        delta_roc_auc=-0.004, delta_ci_low=-0.031, delta_ci_high=0.023, margin=0.01, verdict="no_signal"
    )
    report["verdict"] = {"code": "no_signal", "summary": NO_SIGNAL}
    return report


def test_the_html_report_shows_the_no_signal_banner_and_the_delta_interval() -> None:
    html = render_html(no_signal_report())

    assert "No usable signal" in html
    assert "tone-bad" in html[html.index("No usable signal") - 400 : html.index("No usable signal")]
    assert "calling every row positive" in html
    assert "95% interval [−0.031, +0.023]; the gain that matters: 0.01" in html


def test_the_terminal_shows_the_verdict_and_the_delta_interval() -> None:
    console = Console(width=200, record=True)
    render_report(console, no_signal_report())
    text = console.export_text()

    assert "Verdict: no_signal" in text
    assert "every row positive" in text
    assert "ΔROC-AUC -0.004 [-0.031, +0.023] (gain that matters: 0.01)" in text


def test_the_interval_and_margin_round_trip_through_the_report_model() -> None:
    stored = no_signal_report()
    report = Report.model_validate(stored)

    assert report.comparison is not None
    assert (report.comparison.delta_ci_low, report.comparison.delta_ci_high, report.comparison.margin) == (
        -0.031,
        0.023,
        0.01,
    )
    assert report.model_dump(mode="json") == stored


def test_an_older_report_without_the_interval_still_renders() -> None:
    html = render_html(json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8")))

    assert "95% interval [" not in html
    assert "Simple model is good enough" in html


def test_an_assessment_of_pure_noise_says_no_signal_and_stores_the_interval(tmp_path: Path) -> None:
    # Labels independent of every feature, 1,000 rows (200 in test): today's rule said "you've won".
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(size=(1000, 4)), columns=["a", "b", "c", "d"])
    frame["label"] = np.where(rng.random(1000) < 0.4, "yes", "no")
    config = AssessmentConfig(
        target="label",
        device="cpu",
        n_resamples=200,
        deep_params={"max_epochs": 4, "patience": 2},
        n_jobs=2,
        learning_curve=False,
    )

    report = assess_file(write_csv(frame, tmp_path), config, InMemoryStore())

    comparison = report["comparison"]
    assert comparison["delta_ci_low"] <= comparison["delta_roc_auc"] <= comparison["delta_ci_high"]
    assert comparison["margin"] == 0.01
    assert report["verdict"]["code"] == comparison["verdict"] == "no_signal", report["verdict"]["summary"]
    assert "No usable signal" in report["verdict"]["summary"]
