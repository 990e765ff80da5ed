"""Choosing the decision threshold on validation data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from workers.errors import InvalidOption
from workers.evaluation import ThresholdChoice, choose_threshold


def validation_data(seed: int, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [0, 1]
    score = np.round(1 / (1 + np.exp(-(1.5 * y + rng.normal(size=n) - 1.0))), 2)  # rounded: ties
    return y, score


def scores_at_every_threshold(y: np.ndarray, score: np.ndarray) -> dict[float, tuple[float, float, float]]:
    """Brute force: (precision, recall, f1) of ``score >= t`` for every distinct score t, by counting."""
    table = {}
    for t in np.unique(score):
        predicted = score >= t
        true_pos = np.sum(predicted & (y == 1))
        precision = true_pos / predicted.sum()
        recall = true_pos / np.sum(y == 1)
        f1 = 0.0 if true_pos == 0 else 2 * precision * recall / (precision + recall)
        table[float(t)] = (precision, recall, f1)
    return table


def assert_achieved_is_true(choice: ThresholdChoice, y: np.ndarray, score: np.ndarray) -> None:
    predicted = (score >= choice.threshold).astype(int)
    assert choice.achieved == pytest.approx(
        {
            "precision": precision_score(y, predicted),
            "recall": recall_score(y, predicted),
            "f1": f1_score(y, predicted),
        },
        abs=1e-12,
    )


def test_hand_worked_example():
    y = np.array([0, 0, 1, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8])
    # Threshold: 0.8 -> P 1, R 1/2; 0.4 -> P 1/2, R 1/2; 0.35 -> P 2/3, R 1 (F1 0.8); 0.1 -> P 1/2, R 1.

    assert choose_threshold(y, score) == ThresholdChoice(
        threshold=0.35, rule="max_f1", achieved={"precision": 2 / 3, "recall": 1.0, "f1": 0.8}, met=True
    )
    assert choose_threshold(y, score, target_precision=0.9).threshold == 0.8
    assert choose_threshold(y, score, target_precision=0.6).threshold == 0.35
    assert choose_threshold(y, score, target_recall=0.5).threshold == 0.8
    assert choose_threshold(y, score, target_recall=1.0).threshold == 0.35


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_rule_maximises_f1(seed):
    y, score = validation_data(seed)

    choice = choose_threshold(y, score)

    table = scores_at_every_threshold(y, score)
    best_f1 = max(f1 for _, _, f1 in table.values())
    assert (choice.rule, choice.met) == ("max_f1", True)
    assert choice.achieved["f1"] == pytest.approx(best_f1, abs=1e-12)
    # Among equally good thresholds, the highest.
    assert choice.threshold == max(t for t, (_, _, f1) in table.items() if f1 == pytest.approx(best_f1))
    assert_achieved_is_true(choice, y, score)


@pytest.mark.parametrize("target", [0.5, 0.7, 0.85])
def test_target_precision_gives_the_most_recall_at_that_precision(target):
    y, score = validation_data(3)

    choice = choose_threshold(y, score, target_precision=target)

    table = scores_at_every_threshold(y, score)
    reaching = {t: v for t, v in table.items() if v[0] >= target}
    best_recall = max(r for _, r, _ in reaching.values())
    assert (choice.rule, choice.met) == (f"precision>={target}", True)
    assert choice.achieved["precision"] >= target
    assert choice.achieved["recall"] == pytest.approx(best_recall, abs=1e-12)
    # Of the thresholds giving that recall, the one with the best precision.
    assert choice.achieved["precision"] == pytest.approx(
        max(p for p, r, _ in reaching.values() if r == pytest.approx(best_recall)), abs=1e-12
    )
    assert_achieved_is_true(choice, y, score)


@pytest.mark.parametrize("target", [0.3, 0.8, 0.95, 1.0])
def test_target_recall_gives_the_highest_threshold_reaching_it(target):
    y, score = validation_data(4)

    choice = choose_threshold(y, score, target_recall=target)

    table = scores_at_every_threshold(y, score)
    assert (choice.rule, choice.met) == (f"recall>={target:g}", True)
    assert choice.achieved["recall"] >= target
    assert choice.threshold == max(t for t, (_, r, _) in table.items() if r >= target)
    assert_achieved_is_true(choice, y, score)


def test_unreachable_precision_falls_back_to_max_f1():
    y, score = validation_data(5)
    score[np.flatnonzero(y == 0)[0]] = 1.0  # the top score is a negative: precision 1 is out of reach

    choice = choose_threshold(y, score, target_precision=1.0)

    assert (choice.rule, choice.met) == ("max_f1", False)
    assert choice.threshold == choose_threshold(y, score).threshold
    assert choice.achieved["precision"] < 1.0


def test_choice_is_frozen_and_plain():
    choice = choose_threshold(*validation_data(6))

    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.threshold = 0.5  # type: ignore[misc]
    assert type(choice.threshold) is float
    assert all(type(v) is float for v in choice.achieved.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_precision": 0.9, "target_recall": 0.8}, "not both"),
        ({"target_precision": 0.0}, "target_precision"),
        ({"target_recall": 1.2}, "target_recall"),
        ({"target_recall": "0.8"}, "target_recall"),
    ],
)
def test_bad_targets_are_invalid_options(kwargs, message):
    with pytest.raises(InvalidOption, match=message):
        choose_threshold(*validation_data(7), **kwargs)


def test_single_class_validation_data_is_an_invalid_option():
    with pytest.raises(InvalidOption, match="only the class 0"):
        choose_threshold(np.zeros(5, dtype=int), np.linspace(0, 1, 5))
