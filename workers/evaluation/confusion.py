"""A multiclass model's confusion matrix and its per-class precision, recall and F1 with intervals.

F1's interval comes from a row bootstrap of the test split (Efron & Tibshirani 1993): rows drawn with
replacement, the class counts left free to vary, so that F1, which depends on how common each class is,
carries the sampling error of the class mix too. Resampling n rows with replacement makes the
confusion matrix's cells one multinomial draw with the observed cell shares, so the bootstrap draws the
K x K cells directly (exact, and O(K²) per resample instead of O(n)).

A percentile interval collapses to a point when an estimate is 0 or 1 (a class always recalled): precision
and recall, being proportions, get the Wilson score interval instead (Wilson 1927;
`workers.evaluation.intervals`), which does not; F1 is no proportion and keeps the bootstrap's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workers.evaluation.bootstrap import percentile_interval
from workers.evaluation.intervals import BOOTSTRAP, METHOD_TITLES, WILSON, wilson_interval

PER_CLASS_METHOD = (
    f"precision and recall: {METHOD_TITLES[WILSON]}; F1: {METHOD_TITLES[BOOTSTRAP]} (the class mix too)"
)


def confusion_counts(y_true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Args:
        y_true, predicted: shape (n,), class indices in ``range(n_classes)``.

    Returns:
        shape (n_classes, n_classes) int64: rows are the true class, columns the predicted one.
    """
    cells = np.bincount(y_true * n_classes + predicted, minlength=n_classes * n_classes)
    return cells.reshape(n_classes, n_classes).astype(np.int64)


def per_class_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 of each class from confusion matrices.

    Args:
        counts: shape (..., K, K), rows true, columns predicted (a stack of resampled matrices is fine).

    Returns:
        ``{"precision" | "recall" | "f1": shape (..., K)}``; 0 where undefined (nothing predicted or no
        row of the class), as scikit-learn's ``zero_division=0``.
    """
    hits = np.diagonal(counts, axis1=-2, axis2=-1).astype(np.float64)
    actual = counts.sum(axis=-1).astype(np.float64)
    predicted = counts.sum(axis=-2).astype(np.float64)
    return {
        "precision": _ratio(hits, predicted),
        "recall": _ratio(hits, actual),
        "f1": _ratio(2.0 * hits, actual + predicted),
    }


def confusion_section(
    y_true: np.ndarray,
    predicted: np.ndarray,
    n_classes: int,
    *,
    class_names: Sequence[str] | None,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> dict[str, Any]:
    """The confusion matrix and the per-class table of a multiclass model, JSON-ready.

    Returns:
        ``{"confusion_matrix": {"classes", "counts"}, "per_class": [{"name", "support", "predicted",
        "precision" | "recall" | "f1": {"value", "ci_low", "ci_high"}}], "per_class_method": str}``;
        ``classes`` are ``class_names`` (the indices as text without them), in index order.
    """
    names = [str(c) for c in class_names] if class_names is not None else [str(k) for k in range(n_classes)]
    if len(names) != n_classes:
        raise ValueError(f"class_names must name {n_classes} classes, however: {len(names)=}")
    counts = confusion_counts(y_true, predicted, n_classes)
    points = per_class_rates(counts)
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(int(counts.sum()), counts.ravel() / counts.sum(), size=n_resamples)
    samples = per_class_rates(resampled.reshape(n_resamples, n_classes, n_classes))
    hits, actual, called = np.diagonal(counts), counts.sum(axis=1), counts.sum(axis=0)
    rows = []
    for k, name in enumerate(names):
        intervals = {
            "precision": (*wilson_interval(int(hits[k]), int(called[k]), confidence), WILSON),
            "recall": (*wilson_interval(int(hits[k]), int(actual[k]), confidence), WILSON),
            "f1": (*percentile_interval(samples["f1"][:, k], confidence), BOOTSTRAP),
        }
        row: dict[str, Any] = {"name": name, "support": int(actual[k]), "predicted": int(called[k])}
        for metric, (low, high, method) in intervals.items():
            row[metric] = {
                "value": float(points[metric][k]),
                "ci_low": low,
                "ci_high": high,
                "method": method,
            }
        rows.append(row)
    return {
        "confusion_matrix": {"classes": names, "counts": counts.tolist()},
        "per_class": rows,
        "per_class_method": PER_CLASS_METHOD,
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
