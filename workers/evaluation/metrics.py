"""Evaluation metrics with confidence intervals, and the input contract they share.

Point values come from scikit-learn. Each interval comes from the method that covers best for its metric
(`workers.evaluation.intervals`; coverage measured by `benchmarks/interval_coverage.py`) and says which in
its ``method`` key:

- binary precision and recall: Wilson (1927) score interval - a proportion of predicted positives / of
  positives, exact in its binomial model and never collapsing at 0 or 1;
- binary ROC-AUC: a score interval with the binormal variance at its ends, never below DeLong's
  (`workers.evaluation.auc_score`) - holds with few positives at high AUC, where the logit DeLong one
  lay above the truth too often;
- binary F1: Wilson interval of the Jaccard index TP / (TP + FP + FN), mapped to F1 = 2J / (1 + J)
  (`intervals.f1_jaccard_interval`) - exact in the same binomial sense as precision's and recall's;
- binary PR-AUC: normal on the logit scale with the row bootstrap's standard error, floored with few
  positives (`workers.evaluation.pr_auc_interval`);
- every multiclass macro metric: bias-corrected bootstrap percentile (Efron 1981) with the rows (and so
  the class mix) resampled (`workers.evaluation.bootstrap`).

Everything returned is plain Python (floats, ints, str, dicts), ready for JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

from workers.errors import InvalidOption
from workers.evaluation.auc_score import AUC_SCORE, auc_score_interval
from workers.evaluation.bootstrap import bias_corrected_interval, binary_bootstrap, multiclass_bootstrap
from workers.evaluation.confusion import confusion_section
from workers.evaluation.intervals import (
    BOOTSTRAP,
    WILSON,
    WILSON_JACCARD,
    f1_jaccard_interval,
    wilson_interval,
)
from workers.evaluation.pr_auc_interval import pr_auc_interval

DEFAULT_N_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
METRIC_NAMES = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def evaluate_binary(
    y_true: np.ndarray,
    score: np.ndarray,
    threshold: float,
    *,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
) -> dict[str, Any]:
    """Metrics of a binary classifier with confidence intervals (methods in the module docstring).

    Args:
        y_true: shape (n,), 0/1 (1 = positive).
        score: shape (n,), score of the positive class.
        threshold: a row is predicted positive when ``score >= threshold`` (for precision, recall, F1).

    Returns:
        ``{"roc_auc" | "pr_auc" | "precision" | "recall" | "f1": {"value", "ci_low", "ci_high", "method"},
        "threshold": float, "n": int, "n_positive": int, "n_predicted_positive": int}``.
    """
    y, s = binary_inputs(y_true, score)
    threshold = _finite_float(threshold, "threshold")
    check_bootstrap_options(n_resamples, seed, confidence)
    predicted = (s >= threshold).astype(np.int64)
    points = {
        "roc_auc": roc_auc_score(y, s),
        "pr_auc": average_precision_score(y, s),
        "precision": precision_score(y, predicted, zero_division=0),
        "recall": recall_score(y, predicted, zero_division=0),
        "f1": f1_score(y, predicted, zero_division=0),
    }
    samples = binary_bootstrap(y, s, threshold, n_resamples=n_resamples, seed=seed)
    result: dict[str, Any] = _with_intervals(points, samples, confidence)
    positive = y == 1
    n_positive, n_predicted = int(positive.sum()), int(predicted.sum())
    true_positive = int((predicted[positive] == 1).sum())
    _, auc_low, auc_high = auc_score_interval(s, positive, confidence)
    missed = (n_predicted - true_positive, n_positive - true_positive)  # false positives, false negatives
    closed_form = {
        "roc_auc": (auc_low, auc_high, AUC_SCORE),
        "pr_auc": pr_auc_interval(samples["pr_auc"], points["pr_auc"], n_positive, confidence),
        "precision": (*wilson_interval(true_positive, n_predicted, confidence), WILSON),
        "recall": (*wilson_interval(true_positive, n_positive, confidence), WILSON),
        "f1": (*f1_jaccard_interval(true_positive, *missed, confidence), WILSON_JACCARD),
    }
    for name, (low, high, method) in closed_form.items():
        result[name].update(ci_low=low, ci_high=high, method=method)
    result.update(threshold=threshold, n=int(y.size), n_positive=n_positive, n_predicted_positive=n_predicted)
    return result


def evaluate_multiclass(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    class_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Macro-averaged metrics of a multiclass classifier with percentile confidence intervals, and its
    confusion matrix and per-class precision/recall/F1 with intervals (`workers.evaluation.confusion`).

    Args:
        y_true: shape (n,), class indices in ``range(n_classes)``; every class must occur.
        proba: shape (n, n_classes), rows summing to 1.
        class_names: the classes' names in index order, for the confusion matrix and the per-class rows.

    Returns:
        The keys of `evaluate_binary`: one-vs-rest macro ROC-AUC, macro average precision, and macro
        precision/recall/F1 of the argmax prediction; ``"threshold"`` and ``"n_positive"`` are None. Then
        ``"confusion_matrix"``, ``"per_class"`` and ``"per_class_method"`` (`confusion_section`).
    """
    y, p = multiclass_inputs(y_true, proba)
    check_bootstrap_options(n_resamples, seed, confidence)
    labels = np.arange(p.shape[1])
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, p.argmax(axis=1), labels=labels, average="macro", zero_division=0
    )
    points = {
        "roc_auc": roc_auc_score(y, p, multi_class="ovr", average="macro", labels=labels),
        "pr_auc": average_precision_score(_one_hot(y, p.shape[1]), p, average="macro"),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    samples = multiclass_bootstrap(y, p, n_resamples=n_resamples, seed=seed)
    result: dict[str, Any] = _with_intervals(points, samples, confidence)
    result.update(threshold=None, n=int(y.size), n_positive=None)
    result.update(
        confusion_section(
            y,
            p.argmax(axis=1),
            p.shape[1],
            class_names=class_names,
            n_resamples=n_resamples,
            seed=seed,
            confidence=confidence,
        )
    )
    return result


def validation_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Point estimates for model selection on the validation split.

    Args:
        y_true: shape (n,), class indices.
        proba: shape (n,) or (n, 2) for a binary task (the positive class is column 1), or
            (n, n_classes) with n_classes >= 3.

    Returns:
        Binary: ``roc_auc, pr_auc, log_loss, brier``. Multiclass: ``roc_auc`` (macro one-vs-rest),
        ``pr_auc`` (macro average precision), ``log_loss, accuracy``.
    """
    p = np.asarray(proba)
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 2):
        y, score = binary_inputs(y_true, p if p.ndim == 1 else p[:, 1], name="proba")
        _check_probabilities(score, "proba")
        return {
            "roc_auc": float(roc_auc_score(y, score)),
            "pr_auc": float(average_precision_score(y, score)),
            "log_loss": float(log_loss(y, score, labels=[0, 1])),
            "brier": float(brier_score_loss(y, score)),
        }
    y, p = multiclass_inputs(y_true, p)
    labels = np.arange(p.shape[1])
    return {
        "roc_auc": float(roc_auc_score(y, p, multi_class="ovr", average="macro", labels=labels)),
        "pr_auc": float(average_precision_score(_one_hot(y, p.shape[1]), p, average="macro")),
        "log_loss": float(log_loss(y, p, labels=labels)),
        "accuracy": float(accuracy_score(y, p.argmax(axis=1))),
    }


# --- the input contract of workers.evaluation -------------------------------------------------------------


def binary_inputs(y_true: Any, score: Any, *, name: str = "score") -> tuple[np.ndarray, np.ndarray]:
    """Validate a binary task's labels and scores.

    Returns:
        ``(y, score)``: y of shape (n,) int64 holding both 0 and 1; score of shape (n,) finite float64.
    """
    y = _class_indices(y_true)
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise InvalidOption(
            f"Binary y_true must hold 0/1 (1 = positive class), found values {values[:10].tolist()}."
        )
    if values.size != 2:
        raise InvalidOption(
            f"y_true has only the class {int(values[0])}; a binary metric needs both 0 and 1."
        )
    s = np.asarray(score)
    if s.ndim != 1:
        raise InvalidOption(f"{name} must have shape (n,), got {s.shape}.")
    if s.shape[0] != y.shape[0]:
        raise InvalidOption(f"y_true has {y.shape[0]} rows but {name} has {s.shape[0]}; they must match.")
    return y, _finite_floats(s, name)


def multiclass_inputs(y_true: Any, proba: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a multiclass task's labels and class probabilities.

    Returns:
        ``(y, proba)``: y of shape (n,) int64 in ``range(n_classes)`` with every class present; proba of
        shape (n, n_classes) float64, n_classes >= 2, each row a probability distribution.
    """
    y = _class_indices(y_true)
    p = np.asarray(proba)
    if p.ndim != 2 or p.shape[1] < 2:
        raise InvalidOption(f"proba must have shape (n, n_classes) with n_classes >= 2, got {p.shape}.")
    if p.shape[0] != y.shape[0]:
        raise InvalidOption(f"y_true has {y.shape[0]} rows but proba has {p.shape[0]}; they must match.")
    p = _finite_floats(p, "proba")
    _check_probabilities(p, "proba")
    # The same tolerance scikit-learn's one-vs-rest ROC-AUC applies.
    if not np.allclose(p.sum(axis=1), 1.0):
        raise InvalidOption("Each row of proba must sum to 1 (class probabilities).")
    n_classes = p.shape[1]
    if y.min() < 0 or y.max() >= n_classes:
        raise InvalidOption(f"y_true must hold class indices in 0..{n_classes - 1} to match proba's columns.")
    missing = np.setdiff1d(np.arange(n_classes), y)
    if missing.size:
        raise InvalidOption(
            f"Classes {missing.tolist()} have no rows in y_true; one-vs-rest metrics need every class."
        )
    return y, p


def check_bootstrap_options(n_resamples: int, seed: int, confidence: float = DEFAULT_CONFIDENCE) -> None:
    """Raise `InvalidOption` unless the bootstrap options are usable."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer) or n_resamples < 1:
        raise InvalidOption(f"n_resamples must be a positive integer, got {n_resamples!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidOption(f"seed must be a non-negative integer, got {seed!r}.")
    if not (isinstance(confidence, int | float) and 0.0 < confidence < 1.0):
        raise InvalidOption(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}.")


def _class_indices(y_true: Any) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise InvalidOption(f"y_true must have shape (n,), got {y.shape}.")
    if y.size == 0:
        raise InvalidOption("y_true is empty; there is nothing to evaluate.")
    if y.dtype == bool:
        return y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.number):
        raise InvalidOption(f"y_true must hold integer class indices, got dtype {y.dtype}.")
    # Labels that went through a float column (0.0/1.0) are fine; 0.5 or NaN is not a class.
    if not np.issubdtype(y.dtype, np.integer) and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise InvalidOption("y_true must hold integer class indices; found non-integer values.")
    return y.astype(np.int64)


def _finite_floats(values: np.ndarray, name: str) -> np.ndarray:
    if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
        raise InvalidOption(f"{name} must be numeric, got dtype {values.dtype}.")
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        raise InvalidOption(f"{name} contains NaN or infinite values.")
    return values


def _check_probabilities(values: np.ndarray, name: str) -> None:
    if values.min() < 0.0 or values.max() > 1.0:
        raise InvalidOption(f"{name} must hold probabilities in [0, 1].")


def _finite_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidOption(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(number):
        raise InvalidOption(f"{name} must be finite, got {value!r}.")
    return number


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.int64)[y]


def _with_intervals(
    points: dict[str, float], samples: dict[str, np.ndarray], confidence: float
) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for name in METRIC_NAMES:
        low, high = bias_corrected_interval(samples[name], float(points[name]), confidence)
        result[name] = {"value": float(points[name]), "ci_low": low, "ci_high": high, "method": BOOTSTRAP}
    return result
