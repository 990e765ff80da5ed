"""A whole assessment of the example dataset with the example answers shows the payoff in money in the JSON,
the terminal and the HTML report; without the money answers it shows the note naming them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from service.cli.terminal_report import render_report
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.report.html import render_html
from workers.rubric.questionnaire import load_answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _assess(answers: Path | None, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "target": "diagnosis",
        "positive": "malignant",
        "device": "cpu",
        "n_resamples": 200,
        "deep_params": {"max_epochs": 6, "patience": 3},
        "n_jobs": 2,
        "learning_curve": False,
    }
    settings.update(overrides)
    return assess_file(
        EXAMPLES / "breast_cancer.csv",
        AssessmentConfig(**settings),
        InMemoryStore(),
        answers=load_answers(answers) if answers else None,
    )


@pytest.fixture(scope="module")
def with_money() -> dict[str, Any]:
    return _assess(EXAMPLES / "answers.yaml")


def _terminal(report: dict[str, Any]) -> str:
    console = Console(width=160, record=True)
    render_report(console, report)
    return console.export_text()


def test_the_json_has_an_expected_value_interval_for_every_model(with_money: dict[str, Any]) -> None:
    economics = with_money["economics"]
    assert economics["currency"] == "USD" and economics["decisions_per_year"] == 20_000
    assert [m["name"] for m in economics["models"]] == [m["name"] for m in with_money["models"]]
    for model in economics["models"]:
        ev = model["expected_value_per_1000"]
        assert ev["ci_low"] <= ev["value"] <= ev["ci_high"] and ev["ci_low"] < ev["ci_high"]
        assert 0.0 <= model["threshold"] <= 1.0
    delta = economics["delta_expected_value_per_1000"]
    assert delta["ci_low"] <= delta["value"] <= delta["ci_high"]
    assert economics["yearly_delta"]["value"] == pytest.approx(delta["value"] * 20)
    assert economics["deep_pays"] in ("below", "above", "always", "never")
    assert "USD a year" in economics["sentence"]
    # The money reaches the verdict and the payoff criterion, and the test budget was looked at once.
    assert (
        "In money" in with_money["verdict"]["summary"]
        or "the money disagrees" in with_money["verdict"]["summary"]
    )
    assert any("In money" in f for f in with_money["readiness"]["criteria"]["payoff"]["findings"])
    assert with_money["test_budget"]["used"] == 1
    # One recommendation: the model to ship is run at the threshold its money chose, and the step says so.
    ship = with_money["recommendation"]["ship"]
    if ship is not None:
        shipped = next(m for m in economics["models"] if m["name"] == ship["label"])
        assert f"run it at threshold {shipped['threshold']:.3f}" in with_money["recommendation"]["next_steps"][0]


def test_the_terminal_and_the_html_show_the_payoff_in_money(with_money: dict[str, Any]) -> None:
    text, html = _terminal(with_money), render_html(with_money)
    assert "Payoff in money" in text and "Payoff in money" in html
    assert "Expected value per 1,000 decisions" in text and "Expected value per 1,000 decisions" in html
    for model in with_money["economics"]["models"]:
        assert model["name"] in text.split("Payoff in money", 1)[1]
    assert "a true positive is worth 1,000 USD, a false positive costs 400 USD" in html
    assert 'href="#economics"' in html  # in the table of contents


def test_without_the_money_answers_the_report_says_which_would_give_it() -> None:
    report = _assess(None, run_deep=False)
    economics = report["economics"]
    assert set(economics) == {"note"}
    for question in ("value_true_positive", "cost_false_positive", "cost_false_negative"):
        assert f"payoff.{question}" in economics["note"]
    assert "In money" not in report["verdict"]["summary"]
    assert "No payoff in money" in _terminal(report) and "No payoff in money" in render_html(report)
    assert "Expected value per 1,000 decisions" not in render_html(report)
