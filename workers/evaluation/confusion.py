"""A multiclass model's confusion matrix and its per-class precision, recall and F1 with intervals.

Precision and recall are proportions (hits among the rows predicted as the class; among the rows of the
class), so they get the Wilson score interval (Wilson 1927; `workers.evaluation.intervals`), which does not
collapse at 0 or 1 as a bootstrap percentile interval does (a class always recalled).

F1 is no proportion: its interval is the bias-corrected percentile interval (Efron 1981) of a row bootstrap
of the test split (Efron & Tibshirani 1993) - rows drawn with replacement, the class counts left free to
vary, so that F1, which depends on how common each class is, carries the sampling error of the class mix
too. Resampling n rows with replacement makes the confusion matrix's cells one multinomial draw with the
observed cell shares, so the bootstrap draws the K x K cells directly (exact, and O(K²) per resample
instead of O(n)). Where every resample agrees (F1 0 or 1), `f1_interval` bounds F1 by the Wilson ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workers.evaluation.bootstrap import bias_corrected_interval
from workers.evaluation.intervals import BOOTSTRAP, METHOD_TITLES, WILSON, wilson_interval

WILSON_BOUND = "wilson_bound"  # F1's interval when the bootstrap's collapses: see `f1_interval`
PER_CLASS_METHOD = (
    f"precision and recall: {METHOD_TITLES[WILSON]}; F1: {METHOD_TITLES[BOOTSTRAP]}, the class mix "
    "resampled too (at F1 0 or 1, where every resample agrees, the F1 of the Wilson bounds instead)"
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
            "f1": f1_interval(
                samples["f1"][:, k], float(points["f1"][k]), (hits[k], called[k], actual[k]), confidence
            ),
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


def f1_interval(
    samples: np.ndarray, point: float, counts: tuple[int, int, int], confidence: float
) -> tuple[float, float, str]:
    """``(low, high, method)`` of one class's F1: the bias-corrected bootstrap interval (Efron 1981), unless
    every resample gives the same F1 (a class always predicted right, or never) - then the interval would be
    a point. There F1, which grows with both precision and recall, is bounded by the F1 of the two Wilson
    intervals' ends: 14 of 14 right gives [0.785, 1.000], not [1.000, 1.000].

    Args:
        counts: ``(hits, predicted, actual)`` of the class.
    """
    low, high = bias_corrected_interval(samples, point, confidence)
    if high > low:
        return low, high, BOOTSTRAP
    hits, predicted, actual = (int(c) for c in counts)
    (p_low, p_high), (r_low, r_high) = (
        wilson_interval(hits, predicted, confidence),
        wilson_interval(hits, actual, confidence),
    )
    return _harmonic(p_low, r_low), _harmonic(p_high, r_high), WILSON_BOUND


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b > 0 else 0.0


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
