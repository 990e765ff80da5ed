"""ROC and precision-recall curves, thinned for a JSON/HTML report."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from workers.errors import InvalidOption
from workers.evaluation.metrics import binary_inputs

DEFAULT_MAX_POINTS = 200
DECIMALS = 5


def roc_points(
    y_true: np.ndarray, score: np.ndarray, max_points: int = DEFAULT_MAX_POINTS
) -> dict[str, list[float]]:
    """ROC curve as ``{"fpr": [...], "tpr": [...]}``, at most ``max_points`` points from (0, 0) to (1, 1).

    Args:
        y_true: shape (n,), 0/1 (1 = positive).
        score: shape (n,), scores of the positive class.
    """
    y, s = binary_inputs(y_true, score)
    _check_max_points(max_points)
    fpr, tpr, _ = roc_curve(y, s)
    keep = _thin(fpr, tpr, max_points)
    return {"fpr": _rounded(fpr[keep]), "tpr": _rounded(tpr[keep])}


def pr_points(
    y_true: np.ndarray, score: np.ndarray, max_points: int = DEFAULT_MAX_POINTS
) -> dict[str, list[float]]:
    """Precision-recall curve as ``{"recall": [...], "precision": [...]}``, recall ascending from 0 to 1.

    Args:
        y_true: shape (n,), 0/1 (1 = positive).
        score: shape (n,), scores of the positive class.
    """
    y, s = binary_inputs(y_true, score)
    _check_max_points(max_points)
    precision, recall, _ = precision_recall_curve(y, s)
    # scikit-learn lists recall descending; a report plots it left to right.
    precision, recall = precision[::-1], recall[::-1]
    keep = _thin(recall, precision, max_points)
    return {"recall": _rounded(recall[keep]), "precision": _rounded(precision[keep])}


def _thin(x: np.ndarray, y: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` points spread evenly along the curve's length, ends included.

    Spacing by (L1) arc length rather than by index keeps the corners of a curve whose points bunch up in
    one place; the indices stay in order, so a monotone coordinate stays monotone.
    """
    if x.size <= max_points:
        return np.arange(x.size)
    length = np.r_[0.0, np.cumsum(np.abs(np.diff(x)) + np.abs(np.diff(y)))]
    marks = np.linspace(0.0, length[-1], max_points)
    keep = np.searchsorted(length, marks, side="left")
    keep[-1] = x.size - 1
    return np.unique(keep)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), DECIMALS) for v in values]


def _check_max_points(max_points: int) -> None:
    if isinstance(max_points, bool) or not isinstance(max_points, int | np.integer) or max_points < 2:
        raise InvalidOption(f"max_points must be an integer of at least 2, got {max_points!r}.")
