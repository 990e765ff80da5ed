"""The readiness score: gated by the weakest criterion, never guessing, driven by evidence where measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workers.rubric.evidence import Evidence, MetricEstimate
from workers.rubric.questionnaire import CRITERIA, Answers, load_answers, parse_answers
from workers.rubric.scoring import PROMISING_AT, READY_AT, score_readiness

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "answers.yaml"

PERFECT: dict[str, Any] = {
    "dataset": {
        "labels_available": True,
        "label_source": "existing_records",
        "labelling_cost_per_1000": 0,
        "more_labels_obtainable": "many",
        "data_changes_over_time": False,
    },
    "reuse": {"model_reuse": "many_products", "retrain_frequency": "never"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
    "payoff": {
        "value_if_solved": "transformative",
        "current_solution": "none",
        "oracle_impact": "Everything.",
    },
    "fault_tolerance": {"cost_of_error": "low", "human_in_the_loop": True, "fallback_exists": True},
}


def _answers(**sections: dict[str, Any] | None) -> Answers:
    """PERFECT answers with some sections replaced (merged key by key) or removed (None)."""
    data: dict[str, Any] = {k: dict(v) for k, v in PERFECT.items()}
    for name, section in sections.items():
        if section is None:
            data.pop(name)
        else:
            data[name] = {**data[name], **section}
    return parse_answers(data)


def _auc(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": value, "ci_low": low, "ci_high": high}


def _evidence(**overrides: Any) -> Evidence:
    """A large, clean dataset where the deep model wins clearly."""
    fields: dict[str, Any] = {
        "n_rows": 200_000,
        "n_features": 40,
        "n_classes": 2,
        "min_class_count": 60_000,
        "positive_rate": 0.3,
        "best_baseline": "xgboost",
        "baseline_test": {"roc_auc": _auc(0.93, 0.925, 0.935), "precision": 0.8, "recall": 0.7},
        "deep_test": {"roc_auc": _auc(0.96, 0.955, 0.965), "precision": 0.85, "recall": 0.8},
        "delta_roc_auc": 0.03,
        "comparison_p_value": 0.0001,
        "test_rows": 40_000,
    }
    fields.update(overrides)
    return Evidence(**fields)


def _scores(result: dict[str, Any]) -> dict[str, int | None]:
    return {c: result["criteria"][c]["score"] for c in CRITERIA}


def test_perfect_project_with_strong_evidence_is_ready() -> None:
    result = score_readiness(_answers(), _evidence())

    assert all(score is not None and score >= READY_AT for score in _scores(result).values())
    assert result["verdict"] == "ready"
    assert result["overall"] == min(_scores(result).values())  # type: ignore[type-var]


@pytest.mark.parametrize("evidence", [None, _evidence()], ids=["answers-only", "with-evidence"])
def test_no_labels_gates_the_whole_project_to_not_ready(evidence: Evidence | None) -> None:
    result = score_readiness(_answers(dataset={"labels_available": False}), evidence)

    scores = _scores(result)
    assert scores["dataset"] is not None and scores["dataset"] <= 10
    assert all(scores[c] == 100 or scores[c] >= READY_AT for c in CRITERIA if c != "dataset")
    assert result["overall"] == scores["dataset"]
    assert result["verdict"] == "not_ready"
    assert result["weakest"] == "dataset"
    assert "labels" in result["criteria"]["dataset"]["recommendation"].lower()


def test_label_source_none_is_the_same_as_no_labels() -> None:
    result = score_readiness(_answers(dataset={"labels_available": None, "label_source": "none"}), None)

    assert result["verdict"] == "not_ready"


def test_unanswered_criteria_are_not_assessed_never_guessed() -> None:
    answers = parse_answers({"reuse": {"model_reuse": "many_products", "retrain_frequency": "yearly"}})

    result = score_readiness(answers, None)

    scores = _scores(result)
    assert scores["reuse"] is not None
    assert all(scores[c] is None for c in CRITERIA if c != "reuse")
    assert result["overall"] is None
    assert result["verdict"] == "insufficient_information"
    payoff = result["criteria"]["payoff"]
    assert payoff["unanswered"] == ["value_if_solved", "current_solution", "oracle_impact"]
    assert "payoff.value_if_solved" in payoff["recommendation"]
    assert payoff["findings"] == []
    assert payoff["evidence_used"] is False


def test_nothing_answered_and_no_evidence_is_insufficient_information() -> None:
    result = score_readiness(Answers(), None)

    assert _scores(result) == {c: None for c in CRITERIA}
    assert result["overall"] is None
    assert result["weakest"] is None
    assert result["verdict"] == "insufficient_information"


def test_high_scores_with_criteria_unassessed_are_not_called_ready() -> None:
    result = score_readiness(_answers(payoff=None, fault_tolerance=None), None)

    assert result["overall"] is not None and result["overall"] >= READY_AT
    assert result["verdict"] == "promising_with_gaps"
    assert result["criteria"]["fault_tolerance"]["score"] is None


def test_evidence_alone_scores_dataset_and_feasibility() -> None:
    result = score_readiness(Answers(), _evidence())

    scores = _scores(result)
    assert scores["dataset"] is not None and scores["feasibility"] is not None
    assert scores["reuse"] is None
    assert result["criteria"]["dataset"]["evidence_used"] is True
    assert result["overall"] is not None


def test_leakage_error_caps_the_dataset_and_names_the_columns() -> None:
    leak = {
        "check": "label_leakage",
        "severity": "error",
        "columns": ["diagnosis_code"],
        "message": "diagnosis_code alone predicts the label (ROC-AUC 0.999)",
    }
    clean = score_readiness(_answers(), _evidence())
    leaky = score_readiness(_answers(), _evidence(findings=[leak]))

    dataset = leaky["criteria"]["dataset"]
    assert dataset["score"] <= 20 < clean["criteria"]["dataset"]["score"]
    assert any("diagnosis_code" in f for f in dataset["findings"])
    assert "diagnosis_code" in dataset["recommendation"]
    assert leaky["verdict"] == "not_ready"
    assert leaky["weakest"] == "dataset"


def test_warnings_lower_the_dataset_less_than_errors() -> None:
    def dataset_score(severity: str, check: str = "duplicates_across_splits") -> int:
        finding = {
            "check": check,
            "severity": severity,
            "columns": [],
            "message": "12 rows in train and test",
        }
        return score_readiness(_answers(), _evidence(findings=[finding]))["criteria"]["dataset"]["score"]

    clean = score_readiness(_answers(), _evidence())["criteria"]["dataset"]["score"]
    assert dataset_score("error") < dataset_score("warning") < clean
    assert dataset_score("info") == clean
    # Columns the pipeline drops anyway are reported, not scored.
    assert dataset_score("warning", check="id_like_column") == clean


def test_small_dataset_finding_has_the_numbers() -> None:
    evidence = _evidence(n_rows=569, min_class_count=212, test_rows=114)

    result = score_readiness(_answers(), evidence)

    findings = result["criteria"]["dataset"]["findings"]
    assert (
        "569 labelled rows, 212 positives — small for deep learning (thousands to millions is typical)."
        in findings
    )
    assert result["criteria"]["dataset"]["score"] < READY_AT


def test_overfit_check_failure_caps_the_dataset() -> None:
    evidence = _evidence(
        deep_test=None,
        deep_failure="The deep model could not memorise 16 training rows (2 classes): loss stayed at 0.69. More.",
        deep_failure_code="overfit_check_failed",
        delta_roc_auc=None,
        comparison_p_value=None,
    )

    dataset = score_readiness(_answers(), evidence)["criteria"]["dataset"]

    assert dataset["score"] <= 30
    assert any("could not memorise 16 training rows" in f for f in dataset["findings"])


@pytest.mark.parametrize(
    ("ci", "status_word", "expected_score"),
    [
        ((0.93, 0.91, 0.95), "is reached", 100),  # CI low >= target
        ((0.84, 0.81, 0.87), "is not reached", 25),  # CI high < target
        ((0.90, 0.86, 0.93), "may or may not be reached", 60),  # CI straddles the target
    ],
    ids=["reached", "not-reached", "uncertain"],
)
def test_target_status_comes_from_the_confidence_interval(
    ci: tuple[float, float, float], status_word: str, expected_score: int
) -> None:
    evidence = _evidence(baseline_test={"roc_auc": _auc(*ci)}, deep_test=None, delta_roc_auc=None)

    feasibility = score_readiness(_answers(feasibility={"target_value": 0.9}), evidence)["criteria"][
        "feasibility"
    ]

    assert feasibility["score"] == expected_score
    assert any(status_word in f and "0.90" in f for f in feasibility["findings"])
    assert feasibility["evidence_used"] is True


def test_any_model_reaching_the_target_counts() -> None:
    evidence = _evidence(baseline_test={"roc_auc": _auc(0.88, 0.86, 0.90)})

    feasibility = score_readiness(_answers(feasibility={"target_value": 0.95}), evidence)["criteria"][
        "feasibility"
    ]

    assert feasibility["score"] == 100
    assert any("the deep model" in f for f in feasibility["findings"])


def test_missed_target_is_softer_while_the_learning_curve_rises() -> None:
    missed = {"baseline_test": {"roc_auc": _auc(0.84, 0.81, 0.87)}, "deep_test": None, "delta_roc_auc": None}
    flat = score_readiness(_answers(), _evidence(**missed))
    rising = score_readiness(
        _answers(),
        _evidence(**missed, learning_curve={"still_rising": True, "expected_gain_next_doubling": 0.03}),
    )

    assert flat["criteria"]["feasibility"]["score"] < rising["criteria"]["feasibility"]["score"] < 60
    assert any("learning curve is still rising" in f for f in rising["criteria"]["dataset"]["findings"])


def test_without_a_target_feasibility_is_judged_against_chance() -> None:
    evidence = _evidence(baseline_test={"roc_auc": _auc(0.75, 0.7, 0.8)}, deep_test=None, delta_roc_auc=None)

    feasibility = score_readiness(_answers(feasibility={"target_value": None}), evidence)["criteria"][
        "feasibility"
    ]

    assert feasibility["score"] == 50
    assert "target_value" in feasibility["recommendation"]


def test_deep_gain_moves_payoff() -> None:
    wins = score_readiness(_answers(), _evidence())["criteria"]["payoff"]
    no_gain = score_readiness(_answers(), _evidence(delta_roc_auc=-0.002, comparison_p_value=0.61))[
        "criteria"
    ]["payoff"]

    assert wins["score"] > no_gain["score"]
    assert any("ΔAUC −0.002 [−0.010, +0.006], p=0.61" in f for f in no_gain["findings"])
    assert any("no gain that matters" in f for f in no_gain["findings"])
    assert "XGBoost" in no_gain["recommendation"]


def test_an_unsettled_comparison_is_not_scored_as_no_gain() -> None:
    # ΔAUC +0.012 [−0.008, +0.032]: neither "ship the baseline" nor "deep wins" — it says what would settle it.
    unsettled = _evidence(
        delta_roc_auc=0.012, delta_ci_low=-0.008, delta_ci_high=0.032, comparison_p_value=0.24
    )
    payoff = score_readiness(_answers(), unsettled)["criteria"]["payoff"]

    assert any("is not settled" in f and "test rows would settle it" in f for f in payoff["findings"])
    assert not any("no gain that matters" in f for f in payoff["findings"])


def test_payoff_says_whether_more_labels_or_a_bigger_model_is_next() -> None:
    no_gain = {"delta_roc_auc": -0.002, "comparison_p_value": 0.61}
    rising = {"still_rising": True, "expected_gain_next_doubling": 0.02}
    overtaking = {**rising, "overtake_size": 48_000, "overtake_ci_low": 21_000, "overtake_ci_high": None}

    labels = score_readiness(_answers(), _evidence(**no_gain, learning_curve=rising))["criteria"]["payoff"]
    later = score_readiness(_answers(), _evidence(**no_gain, learning_curve=overtaking))["criteria"]["payoff"]

    assert "more labels will help more than a bigger model" in labels["recommendation"]
    assert "revisit deep learning at about 48,000 labelled training rows" in later["recommendation"]
    assert (
        "The deep model's learning curve rises faster: it is expected to overtake XGBoost at about 48,000 "
        "training rows (95% interval from 21,000, unbounded above)."
    ) in later["findings"]
    assert labels["score"] == later["score"]  # the curves inform the advice; the measured gain sets the score


def test_breast_cancer_example_is_promising_held_back_by_its_small_dataset() -> None:
    evidence = _evidence(
        n_rows=569,
        n_features=30,
        min_class_count=212,
        positive_rate=212 / 569,
        best_baseline="Logistic regression",
        baseline_test={"roc_auc": _auc(0.994, 0.985, 1.0), "precision": 0.976, "recall": 0.953},
        deep_test={"roc_auc": _auc(0.992, 0.98, 1.0), "precision": 0.95, "recall": 0.95},
        delta_roc_auc=-0.002,
        comparison_p_value=0.61,
        test_rows=114,
    )

    result = score_readiness(load_answers(EXAMPLE), evidence)

    assert result["weakest"] == "dataset"
    assert result["verdict"] == "promising_with_gaps"
    assert result["criteria"]["feasibility"]["score"] == 100
    fault = result["criteria"]["fault_tolerance"]["findings"]
    assert any("misses about 4.7% of positives" in f for f in fault)
    json.dumps(result)  # JSON-ready as returned


# (case, answers overrides, evidence, expected level, expected weakest)
CASES: list[tuple[str, dict[str, Any], Evidence | None, str, str | None]] = [
    ("all perfect, answers only", {}, None, "ready", "payoff"),
    (
        "one-off model retrained per use",
        {"reuse": {"retrain_frequency": "per_use"}},
        None,
        "not_ready",
        "reuse",
    ),
    ("not an X->Y mapping", {"feasibility": {"is_x_to_y_mapping": False}}, None, "not_ready", "feasibility"),
    (
        "safety-critical with no guard rails",
        {
            "fault_tolerance": {
                "cost_of_error": "safety_critical",
                "human_in_the_loop": False,
                "fallback_exists": False,
            }
        },
        None,
        "not_ready",
        "fault_tolerance",
    ),
    (
        "low value over an ML model, one-off",
        {
            "payoff": {"value_if_solved": "low", "current_solution": "ml_model"},
            "reuse": {"model_reuse": "one_off"},
        },
        None,
        "not_ready",
        "payoff",
    ),
    (
        "medium value over a heuristic",
        {"payoff": {"value_if_solved": "medium", "current_solution": "heuristic"}},
        None,
        "promising_with_gaps",
        "payoff",
    ),
    (
        "expert labels, none more to get",
        {
            "dataset": {
                "label_source": "manual_expert",
                "more_labels_obtainable": "none",
                "labelling_cost_per_1000": 1e4,
            }
        },
        None,
        "promising_with_gaps",
        "dataset",
    ),
    (
        "target missed on a big clean dataset",
        {"feasibility": {"target_value": 0.99}},
        _evidence(),
        "not_ready",
        "feasibility",
    ),
    ("tiny dataset", {}, _evidence(n_rows=60, min_class_count=12, test_rows=12), "not_ready", "dataset"),
]


@pytest.mark.parametrize(
    ("overrides", "evidence", "level", "weakest"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_readiness_cases(
    overrides: dict[str, Any], evidence: Evidence | None, level: str, weakest: str
) -> None:
    result = score_readiness(_answers(**overrides), evidence)

    assert result["verdict"] == level
    assert result["weakest"] == weakest
    if level == "not_ready":
        assert result["overall"] < PROMISING_AT
    for criterion in CRITERIA:
        entry = result["criteria"][criterion]
        assert set(entry) == {"score", "findings", "recommendation", "unanswered", "evidence_used"}
        assert entry["score"] is None or (isinstance(entry["score"], int) and 0 <= entry["score"] <= 100)
        assert entry["recommendation"]


def test_metric_estimate_reads_bare_numbers_and_intervals() -> None:
    assert MetricEstimate.parse(0.9) == MetricEstimate(0.9)
    assert MetricEstimate.parse({"value": 0.9, "ci_low": 0.8, "ci_high": 0.95}) == MetricEstimate(
        0.9, 0.8, 0.95
    )
    assert MetricEstimate.parse(None) is None
    assert MetricEstimate(0.9).reaches(0.9) == "reached"
    assert str(MetricEstimate(0.8421, 0.81, 0.87)) == "0.842 [0.810, 0.870]"


def test_error_rates_describe_the_model_a_team_would_ship() -> None:
    # The deep model edges ahead on ROC-AUC but not significantly: the baseline is the one to ship.
    evidence = _evidence(delta_roc_auc=0.002, comparison_p_value=0.4)

    findings = score_readiness(_answers(), evidence)["criteria"]["fault_tolerance"]["findings"]

    assert any("XGBoost has precision 0.800 and recall 0.700" in f for f in findings)


def test_costly_errors_ask_for_guard_rails_only_when_they_are_missing() -> None:
    guarded = _answers(fault_tolerance={"cost_of_error": "high"})
    unguarded = _answers(fault_tolerance={"cost_of_error": "high", "fallback_exists": False})

    assert (
        "Design guard rails"
        not in score_readiness(guarded, None)["criteria"]["fault_tolerance"]["recommendation"]
    )
    assert (
        "Design guard rails"
        in score_readiness(unguarded, None)["criteria"]["fault_tolerance"]["recommendation"]
    )
