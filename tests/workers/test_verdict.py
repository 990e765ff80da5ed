"""The verdict in words: one code per situation, in priority order, with the numbers in the summary."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from workers.rubric.evidence import Evidence
from workers.rubric.questionnaire import Answers, parse_answers
from workers.verdict import Verdict, decide_verdict

NO_TARGET = Answers()
TARGET_90 = parse_answers({"feasibility": {"target_value": 0.9}})
TARGET_95 = parse_answers({"feasibility": {"target_value": 0.95}})


def _auc(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": value, "ci_low": low, "ci_high": high}


def _evidence(**overrides: Any) -> Evidence:
    """Plenty of data; the deep model beats XGBoost clearly."""
    fields: dict[str, Any] = {
        "n_rows": 20_000,
        "n_features": 25,
        "n_classes": 2,
        "min_class_count": 5_000,
        "positive_rate": 0.25,
        "best_baseline": "XGBoost",
        "baseline_test": {"roc_auc": _auc(0.842, 0.81, 0.87)},
        "deep_test": {"roc_auc": _auc(0.873, 0.85, 0.896)},
        "delta_roc_auc": 0.031,
        "comparison_p_value": 0.002,
        "test_rows": 4_000,
    }
    fields.update(overrides)
    return Evidence(**fields)


LEAK = {
    "check": "label_leakage",
    "severity": "error",
    "columns": ["diagnosis_code"],
    "message": "diagnosis_code alone predicts the label (ROC-AUC 0.999)",
}
NO_DEEP = {"deep_test": None, "delta_roc_auc": None, "comparison_p_value": None}
BREAST_CANCER = {
    "n_rows": 569,
    "min_class_count": 212,
    "test_rows": 114,
    "best_baseline": "Logistic regression",
    "baseline_test": {"roc_auc": _auc(0.994, 0.985, 1.0)},
    "deep_test": {"roc_auc": _auc(0.992, 0.98, 1.0)},
    "delta_roc_auc": -0.002,
    "comparison_p_value": 0.61,
}

# (case, evidence, answers, expected code, fragments the summary must contain)
CASES: list[tuple[str, Evidence, Answers, str, list[str]]] = [
    (
        "leakage beats a perfect AUC and a significant deep win",
        _evidence(
            findings=[LEAK],
            baseline_test={"roc_auc": _auc(0.999, 0.998, 1.0)},
            deep_test={"roc_auc": _auc(0.9995, 0.999, 1.0)},
            comparison_p_value=0.0001,
        ),
        TARGET_90,
        "fix_data_first",
        ["label leakage", "'diagnosis_code'", "Fix the data first"],
    ),
    (
        "duplicates across splits",
        _evidence(
            findings=[
                {
                    "check": "duplicates_across_splits",
                    "severity": "error",
                    "columns": [],
                    "message": "41 test rows also appear in train",
                }
            ]
        ),
        NO_TARGET,
        "fix_data_first",
        ["duplicates across splits", "41 test rows also appear in train"],
    ),
    (
        "deep model failed its overfit check",
        _evidence(
            **NO_DEEP,
            deep_failure=(
                "The deep model could not memorise 16 training rows (2 classes): the loss stayed at 0.69. "
                "Check the labels."
            ),
            deep_failure_code="overfit_check_failed",
        ),
        NO_TARGET,
        "fix_data_first",
        ["could not memorise 16 training rows", "broken"],
    ),
    (
        "neither model reaches the target",
        _evidence(
            deep_test={"roc_auc": _auc(0.83, 0.80, 0.86)}, delta_roc_auc=-0.012, comparison_p_value=0.3
        ),
        TARGET_90,
        "not_feasible_yet",
        ["Neither model reaches your target of 0.90 ROC-AUC", "best is XGBoost 0.842 [0.810, 0.870]"],
    ),
    (
        "target missed but the learning curve still rises",
        _evidence(
            deep_test={"roc_auc": _auc(0.83, 0.80, 0.86)},
            learning_curve={"still_rising": True, "expected_gain_next_doubling": 0.02},
        ),
        TARGET_90,
        "collect_more_data",
        ["0.90", "XGBoost 0.842 [0.810, 0.870]", "still rising", "+0.020"],
    ),
    (
        "too few positives in test",
        _evidence(n_rows=400, min_class_count=60, test_rows=80),
        NO_TARGET,
        "collect_more_data",
        ["Only about 12 positives in the test split (60 in all)"],
    ),
    (
        "learning curve rising with a real gain",
        _evidence(learning_curve={"still_rising": True, "expected_gain_next_doubling": 0.024}),
        NO_TARGET,
        "collect_more_data",
        ["learning curve is still rising", "+0.024"],
    ),
    (
        "deep model significantly better",
        _evidence(),
        NO_TARGET,
        "deep_learning_worth_it",
        [
            "significantly better",
            "ΔAUC +0.031 [+0.011, +0.051], p=0.002",
            "clears the 0.01 gain that matters",
            "0.873 [0.850, 0.896]",
            "XGBoost 0.842 [0.810, 0.870]",
        ],
    ),
    (
        "very small p-value",
        _evidence(comparison_p_value=1e-6),
        NO_TARGET,
        "deep_learning_worth_it",
        ["p<0.001"],
    ),
    (
        "simple model good enough (breast cancer)",
        _evidence(**BREAST_CANCER),
        TARGET_95,
        "simple_model_good_enough",
        [
            "you've won",
            "logistic regression ROC-AUC 0.994 [0.985, 1.000]",
            "the deep model adds ΔAUC −0.002 [−0.010, +0.006], p=0.61",
            "below the 0.01 gain that would matter even at the interval's high end",
        ],
    ),
    (
        "significant but below the practical margin",
        _evidence(delta_roc_auc=0.003, comparison_p_value=0.01),
        NO_TARGET,
        "simple_model_good_enough",
        ["ΔAUC +0.003 [+0.001, +0.005], p=0.01", "real, but below the 0.01 gain"],
    ),
    (
        "deep failed, baseline clears the target",
        _evidence(**{**BREAST_CANCER, **NO_DEEP}, deep_failure="CUDA out of memory. Tried to allocate 2 GiB"),
        TARGET_95,
        "simple_model_good_enough",
        ["you've won", "0.994 [0.985, 1.000]", "0.95", "CUDA out of memory"],
    ),
    (
        "deep skipped and no target to judge the baseline",
        _evidence(**NO_DEEP),
        NO_TARGET,
        "inconclusive",
        ["not trained", "XGBoost scores ROC-AUC 0.842 [0.810, 0.870]", "no target"],
    ),
    (
        "deep failed and the baseline straddles the target",
        _evidence(**NO_DEEP, deep_failure="worker lost"),
        parse_answers({"feasibility": {"target_value": 0.85}}),
        "inconclusive",
        ["worker lost", "0.85"],
    ),
    (
        "deep looks better but was never tested",
        _evidence(comparison_p_value=None),
        NO_TARGET,
        "inconclusive",
        ["ΔAUC +0.031", "no paired significance test"],
    ),
    (
        "pure noise: no signal, whatever the comparison says",
        _evidence(
            baseline_test={
                "roc_auc": _auc(0.490, 0.452, 0.529),
                "precision": _auc(0.2, 0.18, 0.22),
                "recall": _auc(1.0, 1.0, 1.0),
                "n": 1000,
                "n_positive": 200,
            },
            deep_test={"roc_auc": _auc(0.486, 0.448, 0.525)},
            delta_roc_auc=-0.004,
            delta_ci_low=-0.004,
            delta_ci_high=0.004,
            comparison_p_value=0.9,
        ),
        NO_TARGET,
        "no_signal",
        ["No usable signal", "XGBoost, scores ROC-AUC 0.490 [0.452, 0.529]", "(nearly) every row positive"],
    ),
    (
        "no signal, the threshold calling 196 of 200 test rows positive",
        _evidence(
            baseline_test={
                "roc_auc": _auc(0.52, 0.44, 0.60),
                "precision": _auc(0.4, 0.33, 0.47),
                "recall": _auc(0.99, 0.96, 1.0),
                "n": 200,
                "n_predicted_positive": 196,
            },
            deep_test={"roc_auc": _auc(0.50, 0.42, 0.58)},
            delta_roc_auc=-0.02,
        ),
        NO_TARGET,
        "no_signal",
        ["every row positive (recall 0.990, precision 0.400"],
    ),
    (
        "deep model significantly worse",
        _evidence(delta_roc_auc=-0.03, delta_ci_low=-0.05, delta_ci_high=-0.01, comparison_p_value=0.003),
        NO_TARGET,
        "simple_model_good_enough",
        ["significantly worse", "ΔAUC −0.030 [−0.050, −0.010], p=0.003"],
    ),
    (
        "interval holds the margin: inconclusive, with the rows that would settle it",
        _evidence(
            delta_roc_auc=0.012,
            delta_ci_low=-0.008,
            delta_ci_high=0.032,
            comparison_p_value=0.24,
            test_rows=1000,
        ),
        NO_TARGET,
        "inconclusive",
        ["ΔAUC +0.012 [−0.008, +0.032], p=0.24", "About 100,000 test rows (this split has 1,000)"],
    ),
    (
        "the team's margin is higher than the interval's low end",
        _evidence(),
        parse_answers({"payoff": {"min_meaningful_gain": 0.02}}),
        "inconclusive",
        ["0.02 gain that would matter", "test rows"],
    ),
    (
        "nothing evaluated",
        _evidence(**NO_DEEP, baseline_test=None),
        NO_TARGET,
        "inconclusive",
        ["nothing to decide"],
    ),
]


@pytest.mark.parametrize(
    ("evidence", "answers", "code", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verdict_cases(evidence: Evidence, answers: Answers, code: str, fragments: list[str]) -> None:
    verdict = decide_verdict(evidence, answers)

    assert verdict.code == code, verdict.summary
    for fragment in fragments:
        assert fragment in verdict.summary
    # One or two plain sentences.
    assert 1 <= verdict.summary.count(". ") + 1 <= 3


def test_every_code_is_reachable() -> None:
    assert {c[3] for c in CASES} == {
        "fix_data_first",
        "no_signal",
        "not_feasible_yet",
        "collect_more_data",
        "simple_model_good_enough",
        "deep_learning_worth_it",
        "inconclusive",
    }


def test_a_leakage_warning_does_not_block() -> None:
    warning = {**LEAK, "severity": "warning"}

    assert decide_verdict(_evidence(findings=[warning]), NO_TARGET).code == "deep_learning_worth_it"


def test_non_blocking_errors_do_not_force_fix_data_first() -> None:
    finding = {"check": "class_imbalance", "severity": "error", "columns": ["y"], "message": "1% positives"}

    assert decide_verdict(_evidence(findings=[finding]), NO_TARGET).code == "deep_learning_worth_it"


def test_a_target_met_by_one_interval_is_not_infeasible() -> None:
    # XGBoost's interval tops out at 0.870 but the deep model's reaches 0.896: not every model falls short.
    verdict = decide_verdict(_evidence(), parse_answers({"feasibility": {"target_value": 0.88}}))

    assert verdict.code == "deep_learning_worth_it"
    assert "not yet certain" in verdict.summary


def test_a_flat_learning_curve_does_not_ask_for_data() -> None:
    flat = {"still_rising": True, "expected_gain_next_doubling": 0.002}

    assert decide_verdict(_evidence(learning_curve=flat), NO_TARGET).code == "deep_learning_worth_it"


def test_verdict_is_frozen_and_serialises() -> None:
    verdict = decide_verdict(_evidence(), NO_TARGET)

    assert verdict.to_dict() == {"code": "deep_learning_worth_it", "summary": verdict.summary}
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.code = "inconclusive"  # type: ignore[misc]
    assert isinstance(verdict, Verdict)


def test_a_non_significant_gain_is_no_longer_good_enough() -> None:
    # p=0.12 with ΔAUC +0.02: the old rule said "you've won"; the interval [−0.005, +0.045] holds 0.01.
    verdict = decide_verdict(
        _evidence(delta_roc_auc=0.02, delta_ci_low=-0.005, delta_ci_high=0.045, comparison_p_value=0.12),
        NO_TARGET,
    )

    assert verdict.code == "inconclusive"
    assert "you've won" not in verdict.summary


def test_a_target_reached_with_no_signal_elsewhere_still_keeps_the_target_rules() -> None:
    # The target rule comes first: a model far below the target is "not feasible yet", not "no signal".
    noise = {"roc_auc": _auc(0.49, 0.45, 0.53)}
    verdict = decide_verdict(_evidence(baseline_test=noise, deep_test=noise, delta_roc_auc=0.0), TARGET_90)

    assert verdict.code == "not_feasible_yet"


def test_no_signal_says_nothing_of_the_threshold_when_it_still_splits_the_rows() -> None:
    half = {
        "roc_auc": _auc(0.51, 0.45, 0.57),
        "recall": _auc(0.5, 0.4, 0.6),
        "n": 200,
        "n_predicted_positive": 97,
    }
    verdict = decide_verdict(_evidence(baseline_test=half, deep_test=None, delta_roc_auc=None), NO_TARGET)

    assert verdict.code == "no_signal"
    assert "every row positive" not in verdict.summary


def test_an_inconclusive_comparison_on_the_margin_or_of_unknown_size_says_so() -> None:
    unsettled = {"delta_ci_low": -0.01, "delta_ci_high": 0.03, "comparison_p_value": 0.3}

    on_margin = decide_verdict(_evidence(**unsettled, delta_roc_auc=0.01), NO_TARGET)
    unknown = decide_verdict(_evidence(**unsettled, delta_roc_auc=0.012, test_rows=0), NO_TARGET)

    assert on_margin.code == unknown.code == "inconclusive"
    assert "no test split of any size would settle it" in on_margin.summary
    assert "A larger test split would settle it" in unknown.summary
