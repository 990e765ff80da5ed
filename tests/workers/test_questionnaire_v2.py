"""Questionnaire v2: the dataset's kind, size, rarest class and label growth tell projects apart before any
data is uploaded; the measured rows win once there are some; shares may be written as percentages; and
answers written before v2 read and score as they did."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workers.test_rubric import _evidence
from workers.errors import InvalidAnswers
from workers.rubric.questionnaire import parse_answers
from workers.rubric.scoring import score_readiness

# The same team's answers about its labels, for two projects that differ only in the data they describe.
LABELS = {
    "labels_available": True,
    "label_source": "existing_records",
    "more_labels_obtainable": "many",
    "data_changes_over_time": False,
}
MILLIONS_OF_IMAGES = {
    **LABELS,
    "data_kind": "images",
    "labelled_examples": 3_000_000,
    "new_labels_per_month": 50_000,
}
THREE_HUNDRED_ROWS = {**LABELS, "data_kind": "table", "labelled_examples": 300, "new_labels_per_month": 5}


def _dataset(answers: dict[str, Any], evidence: Any = None) -> dict[str, Any]:
    result: dict[str, Any] = score_readiness(parse_answers({"dataset": answers}), evidence)["criteria"][
        "dataset"
    ]
    return result


def test_millions_of_labelled_images_and_300_rows_score_far_apart_before_any_data() -> None:
    large, small = _dataset(MILLIONS_OF_IMAGES), _dataset(THREE_HUNDRED_ROWS)

    # Before v2 both scored alike (100 and 100 here): only the label answers counted.
    assert large["score"] >= 85
    assert small["score"] <= 40
    assert large["score"] - small["score"] >= 45
    assert "You expect 3,000,000 labelled images — large enough for deep learning." in large["findings"]
    assert any("300 labelled table rows — small for deep learning" in f for f in small["findings"])
    assert "Collect more labelled examples" in small["recommendation"]


def test_a_tiny_rarest_class_caps_a_large_dataset() -> None:
    rare = _dataset({**LABELS, "labelled_examples": 1_000_000, "rarest_class_examples": 20})

    assert rare["score"] <= 30
    assert any("20 in the rarest class" in f for f in rare["findings"])


def test_the_measured_rows_win_and_a_tenfold_disagreement_is_a_finding() -> None:
    measured = _evidence(n_rows=600, min_class_count=200, test_rows=120)
    claimed = _dataset({**LABELS, "labelled_examples": 2_000_000}, measured)
    silent = _dataset(LABELS, measured)

    assert claimed["score"] == silent["score"]  # the stated millions do not lift 600 measured rows
    finding = next(f for f in claimed["findings"] if f.startswith("You expect"))
    assert "the uploaded data has 600 rows, which the score uses" in finding
    assert "3,333× fewer labelled examples than you expect" in finding

    close = _dataset({**LABELS, "labelled_examples": 1_000}, measured)
    assert not any("than you expect" in f for f in close["findings"])


def test_label_growth_is_quoted_against_the_size() -> None:
    findings = _dataset({**LABELS, "labelled_examples": 1_200, "new_labels_per_month": 100})["findings"]

    assert (
        "About 100 new labels a month (1,200 a year): doubling the 1,200 labelled examples takes about 12 months."
        in findings
    )


@pytest.mark.parametrize("written", ["90%", "90 %", " 90% ", "0.9", 0.9])
@pytest.mark.parametrize("field", ["target_value", "human_level", "target_precision", "target_recall"])
def test_every_share_reads_a_percentage(field: str, written: Any) -> None:
    answers = parse_answers({"feasibility": {field: written}})

    assert getattr(answers.feasibility, field) == pytest.approx(0.9)


@pytest.mark.parametrize("written", ["150%", 90, "-5%", "ninety"])
def test_a_share_out_of_range_is_refused_by_name_with_how_to_write_it(written: Any) -> None:
    with pytest.raises(InvalidAnswers) as refused:
        parse_answers({"feasibility": {"human_level": written}})

    message = refused.value.fields["feasibility.human_level"]
    assert "write 0.9 or 90%" in message


def test_counts_read_as_people_write_them_and_refuse_the_rest() -> None:
    assert (
        parse_answers({"dataset": {"labelled_examples": "1,000,000"}}).dataset.labelled_examples == 1_000_000
    )
    assert parse_answers({"dataset": {"labelled_examples": 1e6}}).dataset.labelled_examples == 1_000_000
    with pytest.raises(InvalidAnswers, match=r"dataset\.labelled_examples: must be a whole number"):
        parse_answers({"dataset": {"labelled_examples": 2.5}})
    with pytest.raises(
        InvalidAnswers, match="rarest_class_examples: cannot be more than half of labelled_examples"
    ):
        parse_answers({"dataset": {"labelled_examples": 300, "rarest_class_examples": 200}})
    with pytest.raises(InvalidAnswers, match=r"dataset\.data_kind: must be one of"):
        parse_answers({"dataset": {"data_kind": "spreadsheet"}})


def test_answers_written_before_v2_read_and_score_as_they_did() -> None:
    # The breast-cancer answers as projects stored them before v2 (model_dump, unanswered left out).
    old = {
        "dataset": {
            "labels_available": True,
            "label_source": "existing_records",
            "labelling_cost_per_1000": 200.0,
            "more_labels_obtainable": "some",
            "data_changes_over_time": False,
        },
        "feasibility": {"is_x_to_y_mapping": True, "target_metric": "roc_auc", "target_value": 0.95},
    }
    answers = parse_answers(old)
    result = score_readiness(answers, None)

    stored = answers.model_dump(mode="json", exclude_none=True)
    assert {key: stored[key] for key in old} == old  # stored back unchanged
    assert result["criteria"]["dataset"]["score"] == 89  # (100 + 100 + 75 + 70 + 100) / 5, as before v2
    assert "dataset.labelled_examples" in result["criteria"]["dataset"]["recommendation"]


def test_slow_label_growth_is_advised_against_only_while_more_data_would_help() -> None:
    slow = {**LABELS, "new_labels_per_month": 5}
    hurry = "Plan how labels can come faster"

    assert hurry in _dataset(slow)["recommendation"]  # before any data: nothing says more would not help
    flat = _evidence(learning_curve={"still_rising": False})
    rising = _evidence(learning_curve={"still_rising": True, "expected_gain_next_doubling": 0.02})
    assert hurry not in _dataset(slow, flat)["recommendation"]
    assert any("About 5 new labels a month" in f for f in _dataset(slow, flat)["findings"])
    assert hurry in _dataset(slow, rising)["recommendation"]
