"""The payoff in money in the verdict and the payoff criterion: the deep model's worth in the team's currency,
said plainly when it disagrees with the ROC-AUC reading — and the verdict's code still the AUC rule's."""

from __future__ import annotations

import dataclasses
from typing import Any

from workers.rubric.evidence import Evidence
from workers.rubric.questionnaire import Answers
from workers.rubric.scoring import score_readiness
from workers.verdict import decide_verdict


def _economics(value: float, low: float, high: float) -> dict[str, Any]:
    return {
        "currency": "EUR",
        "decisions_per_year": 50_000,
        "best_baseline": "XGBoost",
        "deep": "ResNet MLP",
        "delta_expected_value_per_1000": {"value": value, "ci_low": low, "ci_high": high},
        "yearly_delta": {"value": value * 50, "ci_low": low * 50, "ci_high": high * 50},
    }


def _evidence(delta_low: float, delta_high: float, economics: dict[str, Any] | None) -> Evidence:
    delta = (delta_low + delta_high) / 2
    return Evidence(
        n_rows=5000,
        n_features=10,
        n_classes=2,
        min_class_count=1500,
        test_rows=1000,
        best_baseline="XGBoost",
        baseline_test={"roc_auc": {"value": 0.80, "ci_low": 0.77, "ci_high": 0.83}},
        deep_test={"roc_auc": {"value": 0.80 + delta, "ci_low": 0.77 + delta, "ci_high": 0.83 + delta}},
        delta_roc_auc=delta,
        delta_ci_low=delta_low,
        delta_ci_high=delta_high,
        comparison_p_value=0.001,
        economics=economics,
    )


def test_the_verdict_says_what_the_deep_model_is_worth_a_year() -> None:
    verdict = decide_verdict(_evidence(0.02, 0.06, _economics(248.0, 62.0, 436.0)), Answers())
    assert verdict.code == "deep_learning_worth_it"
    assert (
        "In money, the deep model is worth 12,400 [3,100, 21,800] EUR a year more than XGBoost."
        in verdict.summary
    )


def test_money_whose_interval_holds_zero_is_said_to_hold_it() -> None:
    verdict = decide_verdict(_evidence(0.02, 0.06, _economics(10.0, -20.0, 40.0)), Answers())
    assert (
        "In money, the deep model is worth 500 [−1,000, 2,000] EUR a year more than XGBoost, an interval that holds 0."
        in verdict.summary
    )


def test_a_better_auc_that_does_not_pay_is_said_plainly_and_keeps_its_code() -> None:
    without = decide_verdict(_evidence(0.02, 0.06, None), Answers())
    evidence = _evidence(0.02, 0.06, _economics(-40.0, -90.0, 0.0))
    verdict = decide_verdict(evidence, Answers())
    assert verdict.code == without.code == "deep_learning_worth_it"
    assert verdict.summary.startswith(without.summary)
    assert "But the money disagrees" in verdict.summary and "at or below 0" in verdict.summary
    assert "2,000 EUR a year less than XGBoost" in verdict.summary
    payoff = score_readiness(Answers(), evidence)["criteria"]["payoff"]
    assert any("the money disagrees" in finding for finding in payoff["findings"])
    # One recommendation: the verdict ships the deep model, so the money's advice does not name XGBoost.
    assert "at them the deep model does not pay" in payoff["recommendation"]
    assert "ship XGBoost" not in payoff["recommendation"]


def test_no_gain_in_auc_but_a_gain_in_money_is_said_too() -> None:
    verdict = decide_verdict(_evidence(-0.004, 0.006, _economics(30.0, 5.0, 60.0)), Answers())
    assert verdict.code == "simple_model_good_enough"
    assert "But the money disagrees" in verdict.summary and "an interval above 0" in verdict.summary


def test_without_money_evidence_nothing_about_money_is_said() -> None:
    evidence = _evidence(0.02, 0.06, {"note": "No payoff in money: answer …"})
    assert decide_verdict(evidence, Answers()) == decide_verdict(
        dataclasses.replace(evidence, economics=None), Answers()
    )
    payoff = score_readiness(Answers(), evidence)["criteria"]["payoff"]
    assert not any("money" in finding for finding in payoff["findings"])
