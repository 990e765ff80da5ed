"""The questionnaire: the example loads, every kind of mistake names its field, nothing is guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.errors import InvalidAnswers
from workers.rubric.questionnaire import CRITERIA, Answers, load_answers, parse_answers

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "answers.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_loads_and_answers_everything() -> None:
    answers = load_answers(EXAMPLE)

    assert answers.project and "breast" in answers.project.lower()
    assert answers.dataset.labels_available is True
    assert answers.fault_tolerance.cost_of_error == "high"
    assert answers.fault_tolerance.human_in_the_loop is True
    assert answers.feasibility.target_metric == "roc_auc"
    assert answers.unanswered() == {criterion: [] for criterion in CRITERIA}


def test_empty_file_is_a_fully_unanswered_questionnaire(tmp_path: Path) -> None:
    answers = load_answers(_write(tmp_path, "# nothing answered yet\n"))

    assert answers == Answers()
    unanswered = answers.unanswered()
    assert list(unanswered) == list(CRITERIA)
    assert unanswered["reuse"] == ["model_reuse", "retrain_frequency"]
    assert "labels_available" in unanswered["dataset"]


def test_unanswered_lists_only_missing_questions_and_skips_optional_refinements(tmp_path: Path) -> None:
    text = """
dataset:
  labels_available: true
  label_source: existing_records
feasibility:
  is_x_to_y_mapping: true
payoff:
  oracle_impact: "   "
"""
    unanswered = load_answers(_write(tmp_path, text)).unanswered()

    # rarest_class_examples refines labelled_examples: not a gap.
    assert unanswered["dataset"] == [
        "labelling_cost_per_1000",
        "more_labels_obtainable",
        "data_changes_over_time",
        "data_kind",
        "labelled_examples",
        "new_labels_per_month",
    ]
    # human_level, target_metric and target_precision/recall refine a target; they are not gaps.
    assert unanswered["feasibility"] == ["target_value"]
    # A blank free-text answer is no answer.
    assert "oracle_impact" in unanswered["payoff"]


def test_target_metric_defaults_to_roc_auc_only_when_a_target_is_given() -> None:
    assert parse_answers({"feasibility": {"target_value": 0.9}}).feasibility.target_metric == "roc_auc"
    assert parse_answers({"feasibility": {}}).feasibility.target_metric is None
    chosen = parse_answers({"feasibility": {"target_value": 0.6, "target_metric": "pr_auc"}})
    assert chosen.feasibility.target_metric == "pr_auc"


def test_an_empty_section_reads_as_unanswered(tmp_path: Path) -> None:
    answers = load_answers(_write(tmp_path, "dataset:\nreuse:\n  model_reuse: one_off\n"))

    assert answers.dataset.labels_available is None
    assert answers.reuse.model_reuse == "one_off"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "dataset:\n  labels: true\n",
            ["dataset.labels", "unknown question", "labels_available"],
            id="unknown-question",
        ),
        pytest.param(
            "datset:\n  labels_available: true\n", ["datset", "did you mean 'dataset'"], id="unknown-section"
        ),
        pytest.param(
            "dataset:\n  label_source: biopsy\n",
            ["dataset.label_source", "'existing_records'", "'manual_expert'", "'biopsy'"],
            id="wrong-enum",
        ),
        pytest.param(
            "feasibility:\n  target_value: 1.5\n",
            ["feasibility.target_value", "at most 1", "1.5"],
            id="above-range",
        ),
        pytest.param(
            "dataset:\n  labelling_cost_per_1000: -3\n",
            ["dataset.labelling_cost_per_1000", "at least 0"],
            id="negative-cost",
        ),
        pytest.param(
            "fault_tolerance:\n  human_in_the_loop: sometimes\n",
            ["fault_tolerance.human_in_the_loop", "true or false", "'sometimes'"],
            id="not-a-bool",
        ),
        pytest.param(
            "dataset:\n  labels_available: 1\n",
            ["dataset.labels_available", "true or false"],
            id="number-is-not-a-bool",
        ),
        pytest.param(
            "feasibility:\n  human_level: high\n",
            ["feasibility.human_level", "must be a number"],
            id="not-a-number",
        ),
        pytest.param(
            "feasibility:\n  target_precision: 0.9\n  target_recall: 0.8\n",
            ["feasibility", "at most one of target_precision and target_recall"],
            id="precision-and-recall",
        ),
        pytest.param("reuse: [one_off]\n", ["reuse", "expected a mapping"], id="section-not-a-mapping"),
        pytest.param("- dataset\n- reuse\n", ["expected a mapping", "list"], id="top-level-list"),
    ],
)
def test_invalid_answers_name_the_field_and_what_is_allowed(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(InvalidAnswers) as caught:
        load_answers(_write(tmp_path, text))

    for fragment in expected:
        assert fragment in caught.value.detail
    assert caught.value.code == "invalid_answers"
    assert caught.value.http_status == 422


def test_every_bad_field_is_reported_at_once(tmp_path: Path) -> None:
    text = "dataset:\n  label_source: biopsy\n  more_labels_obtainable: lots\nreuse:\n  model_reuse: twice\n"

    with pytest.raises(InvalidAnswers) as caught:
        load_answers(_write(tmp_path, text))

    detail = caught.value.detail
    assert "dataset.label_source" in detail
    assert "dataset.more_labels_obtainable" in detail
    assert "reuse.model_reuse" in detail


def test_bad_yaml_is_invalid_answers_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset:\n  labels_available: [true\n")

    with pytest.raises(InvalidAnswers, match="not valid YAML") as caught:
        load_answers(path)
    assert str(path) in caught.value.detail


def test_missing_file_is_invalid_answers(tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswers, match="not found"):
        load_answers(tmp_path / "nope.yaml")
