"""Evaluation metrics with confidence intervals, validation metrics and report curves."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from workers.errors import InvalidOption
from workers.evaluation import (
    evaluate_binary,
    evaluate_multiclass,
    pr_points,
    roc_points,
    validation_metrics,
)

METRICS = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def binary_data(seed: int, n: int, positive_rate: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_rate).astype(int)
    y[:2] = [0, 1]
    score = 1 / (1 + np.exp(-(1.5 * y + rng.normal(size=n) - 1.0)))
    return y, score


def multiclass_data(seed: int, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)
    logits = rng.normal(size=(n, n_classes))
    logits[np.arange(n), y] += 1.2
    proba = np.exp(logits)
    return y, proba / proba.sum(axis=1, keepdims=True)


def assert_plain_json(result: dict) -> None:
    """Only built-in types: json.dumps would fail on numpy scalars in the round trip below."""
    assert json.loads(json.dumps(result)) == result
    for name in METRICS:
        assert all(type(result[name][k]) is float for k in ("value", "ci_low", "ci_high"))
        assert type(result[name]["method"]) is str


# --- evaluate_binary ---------------------------------------------------------------------------------------


def test_binary_evaluation_matches_scikit_learn_and_is_plain_json():
    y, score = binary_data(0, 3000)

    result = evaluate_binary(y, score, 0.4)

    predicted = (score >= 0.4).astype(int)
    expected = {
        "roc_auc": roc_auc_score(y, score),
        "pr_auc": average_precision_score(y, score),
        "precision": precision_score(y, predicted),
        "recall": recall_score(y, predicted),
        "f1": f1_score(y, predicted),
    }
    assert set(result) == {*METRICS, "threshold", "n", "n_positive", "n_predicted_positive"}
    assert result["n_predicted_positive"] == int(predicted.sum())
    for name in METRICS:
        assert set(result[name]) == {"value", "ci_low", "ci_high", "method"}
        assert result[name]["value"] == pytest.approx(expected[name], abs=1e-12)
        assert result[name]["ci_low"] <= result[name]["value"] <= result[name]["ci_high"]
    assert (result["threshold"], result["n"], result["n_positive"]) == (0.4, 3000, int(y.sum()))
    assert type(result["n"]) is int and type(result["n_positive"]) is int
    assert_plain_json(result)


def test_binary_intervals_narrow_as_the_data_grows():
    small = evaluate_binary(*binary_data(1, 400), 0.4)
    large = evaluate_binary(*binary_data(1, 10_000), 0.4)

    for name in METRICS:
        small_width = small[name]["ci_high"] - small[name]["ci_low"]
        large_width = large[name]["ci_high"] - large[name]["ci_low"]
        # Width shrinks like 1/sqrt(n): 25 times the rows, about a fifth of the width.
        assert 0.1 < large_width / small_width < 0.35, name


def test_binary_intervals_widen_with_confidence():
    y, score = binary_data(2, 1000)

    narrow = evaluate_binary(y, score, 0.4, confidence=0.5)
    wide = evaluate_binary(y, score, 0.4, confidence=0.99)

    for name in METRICS:
        assert wide[name]["ci_low"] < narrow[name]["ci_low"] < narrow[name]["ci_high"] < wide[name]["ci_high"]


def test_binary_evaluation_is_reproducible_for_a_seed():
    y, score = binary_data(3, 800)

    first = evaluate_binary(y, score, 0.4, n_resamples=500, seed=7)

    assert evaluate_binary(y, score, 0.4, n_resamples=500, seed=7) == first
    # PR-AUC's interval (the bootstrap's standard error) moves with the seed; ROC-AUC's, precision's,
    # recall's and F1's are closed-form and do not.
    other = evaluate_binary(y, score, 0.4, n_resamples=500, seed=8)
    assert other["pr_auc"] != first["pr_auc"]
    assert other["roc_auc"] == first["roc_auc"] and other["precision"] == first["precision"]
    assert other["f1"] == first["f1"]


def test_binary_evaluation_accepts_bool_labels_and_a_rare_class():
    y, score = binary_data(4, 2000, positive_rate=0.01)

    as_bool = evaluate_binary(y.astype(bool), score, 0.5)

    assert as_bool == evaluate_binary(y, score, 0.5)
    assert as_bool["n_positive"] == int(y.sum())


def test_a_threshold_above_every_score_gives_zero_precision_not_nan():
    y, score = binary_data(5, 500)

    result = evaluate_binary(y, score, 2.0, n_resamples=200)

    # Nothing predicted positive: precision is 0 by convention, but nothing is known about it.
    assert result["precision"] == {"value": 0.0, "ci_low": 0.0, "ci_high": 1.0, "method": "wilson"}
    assert result["recall"]["value"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [0, 1, 1], "score": [0.1, 0.2]}, "must match"),
        ({"y_true": [1, 1, 1], "score": [0.1, 0.2, 0.3]}, "only the class 1"),
        ({"y_true": [0, 1, 3], "score": [0.1, 0.2, 0.3]}, "0/1"),
        ({"y_true": [0, 1, 0.5], "score": [0.1, 0.2, 0.3]}, "non-integer"),
        ({"y_true": ["a", "b", "a"], "score": [0.1, 0.2, 0.3]}, "integer class indices"),
        ({"y_true": [0, 1, 1], "score": [0.1, np.inf, 0.3]}, "NaN or infinite"),
        ({"y_true": [0, 1, 1], "score": [0.1, 0.2, 0.3], "threshold": np.nan}, "threshold"),
        ({"y_true": [0, 1, 1], "score": [0.1, 0.2, 0.3], "n_resamples": 0}, "n_resamples"),
        ({"y_true": [0, 1, 1], "score": [0.1, 0.2, 0.3], "confidence": 95}, "confidence"),
        ({"y_true": [0, 1, 1], "score": [0.1, 0.2, 0.3], "seed": None}, "seed"),
    ],
)
def test_binary_evaluation_rejects_bad_input(kwargs, message):
    kwargs = {"threshold": 0.5, **kwargs}
    kwargs["y_true"], kwargs["score"] = np.array(kwargs["y_true"]), np.array(kwargs["score"])
    with pytest.raises(InvalidOption, match=message):
        evaluate_binary(**kwargs)


# --- evaluate_multiclass -----------------------------------------------------------------------------------


def test_multiclass_evaluation_matches_scikit_learn_and_is_plain_json():
    y, proba = multiclass_data(6, 3000, 4)

    result = evaluate_multiclass(y, proba)

    predicted = proba.argmax(axis=1)
    expected = {
        "roc_auc": roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "pr_auc": np.mean([average_precision_score(y == k, proba[:, k]) for k in range(4)]),
        "precision": precision_score(y, predicted, average="macro"),
        "recall": recall_score(y, predicted, average="macro"),
        "f1": f1_score(y, predicted, average="macro"),
    }
    # Per-class results beside the macro averages: tests/workers/test_multiclass.py checks them.
    per_class = {"confusion_matrix", "per_class", "per_class_method"}
    assert set(result) == {*METRICS, "threshold", "n", "n_positive", *per_class}
    for name in METRICS:
        assert result[name]["value"] == pytest.approx(expected[name], abs=1e-12)
        assert result[name]["ci_low"] <= result[name]["value"] <= result[name]["ci_high"]
        assert result[name]["ci_high"] - result[name]["ci_low"] < 0.1
    assert (result["threshold"], result["n"]) == (None, 3000)
    assert_plain_json(result)


def test_multiclass_intervals_narrow_as_the_data_grows():
    small = evaluate_multiclass(*multiclass_data(7, 300, 3), n_resamples=500)
    large = evaluate_multiclass(*multiclass_data(7, 7500, 3), n_resamples=500)

    for name in METRICS:
        ratio = (large[name]["ci_high"] - large[name]["ci_low"]) / (
            small[name]["ci_high"] - small[name]["ci_low"]
        )
        assert 0.1 < ratio < 0.35, name


def test_multiclass_evaluation_is_reproducible_for_a_seed():
    y, proba = multiclass_data(8, 500, 3)

    assert evaluate_multiclass(y, proba, n_resamples=300, seed=1) == evaluate_multiclass(
        y, proba, n_resamples=300, seed=1
    )


@pytest.mark.parametrize(
    ("proba", "y", "message"),
    [
        ([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], [0, 1], "must match"),
        ([[0.5, 0.6, 0.0], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], [0, 2, 1], "sum to 1"),
        ([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], [0, 2, 2], r"Classes \[1\]"),
        ([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], [0, 3, 1], "0..2"),
        ([[1.5, -0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], [0, 2, 1], r"\[0, 1\]"),
        ([0.5, 0.2, 0.1], [0, 2, 1], "n_classes"),
    ],
)
def test_multiclass_evaluation_rejects_bad_input(proba, y, message):
    with pytest.raises(InvalidOption, match=message):
        evaluate_multiclass(np.array(y), np.array(proba))


# --- validation_metrics ------------------------------------------------------------------------------------


def test_binary_validation_metrics_from_a_score_or_two_columns():
    y, score = binary_data(9, 1000)

    from_score = validation_metrics(y, score)
    from_columns = validation_metrics(y, np.column_stack([1 - score, score]))

    assert from_score == pytest.approx(
        {
            "roc_auc": roc_auc_score(y, score),
            "pr_auc": average_precision_score(y, score),
            "log_loss": log_loss(y, score),
            "brier": brier_score_loss(y, score),
        },
        abs=1e-12,
    )
    assert from_columns == pytest.approx(from_score, abs=1e-12)
    assert all(type(v) is float for v in from_score.values())


def test_multiclass_validation_metrics():
    y, proba = multiclass_data(10, 1000, 5)

    metrics = validation_metrics(y, proba)

    assert metrics == pytest.approx(
        {
            "roc_auc": roc_auc_score(y, proba, multi_class="ovr"),
            "pr_auc": average_precision_score(np.eye(5)[y], proba, average="macro"),
            "log_loss": log_loss(y, proba),
            "accuracy": accuracy_score(y, proba.argmax(axis=1)),
        },
        abs=1e-12,
    )
    assert all(type(v) is float for v in metrics.values())


def test_validation_metrics_reject_scores_that_are_not_probabilities():
    y, score = binary_data(11, 100)

    with pytest.raises(InvalidOption, match=r"\[0, 1\]"):
        validation_metrics(y, score * 3)


# --- curves ------------------------------------------------------------------------------------------------


def test_roc_points_are_thinned_monotone_and_keep_the_area():
    y, score = binary_data(12, 20_000)

    points = roc_points(y, score, max_points=50)

    fpr, tpr = np.array(points["fpr"]), np.array(points["tpr"])
    assert 10 < len(fpr) <= 50 and len(tpr) == len(fpr)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert (np.diff(fpr) >= 0).all() and (np.diff(tpr) >= 0).all()
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(y, score), abs=0.005)
    assert all(type(v) is float and v == round(v, 5) for v in points["fpr"] + points["tpr"])


def test_pr_points_run_from_recall_zero_to_one_and_keep_the_area():
    y, score = binary_data(13, 20_000)

    points = pr_points(y, score, max_points=60)

    recall, precision = np.array(points["recall"]), np.array(points["precision"])
    assert 10 < len(recall) <= 60 and len(precision) == len(recall)
    assert (recall[0], precision[0], recall[-1]) == (0.0, 1.0, 1.0)
    assert precision[-1] == pytest.approx(y.mean(), abs=1e-5)
    assert (np.diff(recall) >= 0).all()
    # Step-wise area (what average precision measures) survives the thinning.
    assert np.sum(np.diff(recall) * precision[1:]) == pytest.approx(
        average_precision_score(y, score), abs=0.01
    )
    assert all(type(v) is float and v == round(v, 5) for v in points["recall"] + points["precision"])


def test_short_curves_are_kept_whole():
    y = np.array([0, 0, 1, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8])

    assert roc_points(y, score) == {"fpr": [0.0, 0.0, 0.5, 0.5, 1.0], "tpr": [0.0, 0.5, 0.5, 1.0, 1.0]}
    assert pr_points(y, score) == {
        "recall": [0.0, 0.5, 0.5, 1.0, 1.0],
        "precision": [1.0, 1.0, 0.5, 0.66667, 0.5],
    }


def test_curves_reject_too_few_points():
    y, score = binary_data(14, 100)

    with pytest.raises(InvalidOption, match="max_points"):
        roc_points(y, score, max_points=1)
    with pytest.raises(InvalidOption, match="max_points"):
        pr_points(y, score, max_points=1.5)
