"""Bootstrap of classification metrics, vectorised over resamples.

A resample is held as *counts*: how many times each original row was drawn. The metrics' intervals
draw rows with replacement from the whole test split (`row_counts`), *not* within each class: the test
rows are an i.i.d. sample, so the number of positives among them is itself random, and precision, F1,
PR-AUC and accuracy move with it. A stratified bootstrap keeps the class sizes fixed and so leaves that
variance out - in the tool's own design its 95% intervals covered 88.7-93% (issue 10). A resample that
misses a class entirely (probability about exp(-n_pos)) is drawn again: the bootstrap is conditioned on
every metric being defined, which is the plain bootstrap of Efron (1979) with class counts that are
multinomial rather than fixed - the stratified one with random class counts. `stratified_counts` stays
for the paired test, where both models see the same rows and the prevalence cancels.

With the scores sorted once, each metric of a whole chunk of resamples is a handful of array operations:

- ROC-AUC = P(positive outscores negative) + 0.5 P(tie). With the negatives' counts cumulated in score
  order, the weight of negatives below a positive is one gathered column; a tie group contributes half.
- Average precision = sum over positives of (its count / n_pos) * precision at its own score, where the
  precision at score s counts every row scoring >= s - the tie-grouped step sum scikit-learn computes.
- Precision, recall and F1 at a fixed threshold come from the same cumulative counts.

Resamples are processed in chunks so that the working arrays stay under `CHUNK_BYTES`.

Inputs here are already validated (`workers.evaluation.metrics`); violations are programmer errors.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse
from scipy.stats import norm

CHUNK_BYTES = 64 * 2**20  # bytes of (resamples x rows) working arrays per chunk
_ARRAYS_PER_CHUNK = 6  # float64/int64 (resamples x rows) arrays alive at once while scoring a chunk
_BINARY_METRICS = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile confidence interval ``(low, high)`` of bootstrap samples, shape (n_resamples,)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), however: {confidence=}")
    alpha = 1.0 - confidence
    low, high = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def bias_corrected_interval(samples: np.ndarray, point: float, confidence: float) -> tuple[float, float]:
    """Bias-corrected percentile interval (Efron 1981; Efron & Tibshirani 1993, sec. 14.3).

    The percentiles are shifted by z0 = Phi^-1(share of resamples below the point estimate, ties counted
    half), which corrects a median bias of the bootstrap distribution - PR-AUC and F1 on few positives
    have one. It needs nothing beyond the resamples (BCa's acceleration would need a jackknife, n more
    evaluations); with no bias (z0 = 0) it is the plain percentile interval.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), however: {confidence=}")
    share = float(np.mean(samples < point) + 0.5 * np.mean(samples == point))
    # A point outside every resample would give an infinite shift; cap it at the extreme resample.
    z0 = norm.ppf(np.clip(share, 0.5 / samples.size, 1.0 - 0.5 / samples.size))
    alpha = 1.0 - confidence
    levels = norm.cdf(2.0 * z0 + norm.ppf([alpha / 2.0, 1.0 - alpha / 2.0]))
    low, high = np.quantile(samples, levels)
    return float(low), float(high)


def class_counts(n_items: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Counts of ``n_resamples`` bootstrap resamples of ``n_items`` items.

    Returns:
        shape (n_resamples, n_items), int64; each row sums to ``n_items``.
    """
    if n_items < 1 or n_resamples < 1:
        raise ValueError(f"need at least one item and one resample, however: {n_items=}, {n_resamples=}")
    draws = rng.integers(0, n_items, size=(n_resamples, n_items))
    # One bincount for the whole chunk: offset each resample's draws into its own block of bins.
    draws += np.arange(n_resamples)[:, None] * n_items
    return np.bincount(draws.ravel(), minlength=n_resamples * n_items).reshape(n_resamples, n_items)


def stratified_counts(y: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Counts of stratified bootstrap resamples of the rows of ``y`` (shape (n,), class indices).

    Returns:
        shape (n_resamples, n), int64: how often each row is drawn; within each class the counts of a
        resample sum to that class's size.
    """
    counts = np.empty((n_resamples, y.size), dtype=np.int64)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        counts[:, rows] = class_counts(rows.size, n_resamples, rng)
    return counts


def row_counts(y: np.ndarray, n_classes: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Counts of plain bootstrap resamples of the rows of ``y``, each holding every class at least once.

    Args:
        y: shape (n,), class indices in ``range(n_classes)``, every class present.

    Returns:
        shape (n_resamples, n), int64; each row sums to n. The class sizes vary from resample to resample
        as they would between i.i.d. test splits; resamples missing a class are replaced by new draws.
    """
    kept: list[np.ndarray] = []
    n_kept = 0
    one_hot = np.eye(n_classes, dtype=np.int64)[y]  # (n, n_classes)
    while n_kept < n_resamples:
        # Misses are rare (about exp(-smallest class size) of the draws): redraw only as many as were missed.
        counts = class_counts(y.size, n_resamples - n_kept, rng)
        complete = (counts @ one_hot > 0).all(axis=1)
        # Usually every resample is complete: then no boolean index copies the chunk.
        kept.append(counts if complete.all() else counts[complete])
        n_kept += kept[-1].shape[0]
    return np.concatenate(kept) if len(kept) > 1 else kept[0]


def chunk_sizes(n_resamples: int, n_rows: int) -> Iterator[int]:
    """Split ``n_resamples`` into chunks whose working arrays fit in `CHUNK_BYTES`."""
    per_resample = _ARRAYS_PER_CHUNK * 8 * max(n_rows, 1)
    size = max(1, CHUNK_BYTES // per_resample)
    for start in range(0, n_resamples, size):
        yield min(size, n_resamples - start)


class RankedBinary:
    """Scores of one binary task, sorted once so that weighted metrics are cheap for many weightings.

    Args:
        score: shape (n,), scores of the positive class.
        positive: shape (n,), bool, True for positive rows.

    Weights passed to the methods are per-row weights (bootstrap counts, or any non-negative weights
    with a positive total in each class) in the order of ``pos_rows`` / ``neg_rows``: the rows of the
    positives / negatives by ascending score.
    """

    def __init__(self, score: np.ndarray, positive: np.ndarray) -> None:
        rows = np.arange(score.size)
        pos_rows, neg_rows = rows[positive], rows[~positive]
        self.pos_rows = pos_rows[np.argsort(score[pos_rows], kind="stable")]
        self.neg_rows = neg_rows[np.argsort(score[neg_rows], kind="stable")]
        self.pos_scores = score[self.pos_rows]
        self.neg_scores = score[self.neg_rows]
        self.n_pos, self.n_neg = self.pos_scores.size, self.neg_scores.size
        if self.n_pos == 0 or self.n_neg == 0:
            raise ValueError(f"both classes are needed, however: {self.n_pos=}, {self.n_neg=}")
        # For each positive: how many negatives score strictly below it / at most as high; how many
        # positives score strictly below it (its tie group starts there).
        self._neg_below = np.searchsorted(self.neg_scores, self.pos_scores, side="left")
        self._neg_at_most = np.searchsorted(self.neg_scores, self.pos_scores, side="right")
        self._pos_below = np.searchsorted(self.pos_scores, self.pos_scores, side="left")

    def roc_auc(self, w_pos: np.ndarray, w_neg: np.ndarray) -> np.ndarray:
        """ROC-AUC per resample; weights of shape (r, n_pos) and (r, n_neg); returns shape (r,)."""
        return self._roc_auc(w_pos, _cumulative(w_neg))

    def average_precision(self, w_pos: np.ndarray, w_neg: np.ndarray) -> np.ndarray:
        """Average precision per resample; weights as for `roc_auc`; returns shape (r,)."""
        return self._average_precision(w_pos, _cumulative(w_pos), _cumulative(w_neg))

    def metrics(self, w_pos: np.ndarray, w_neg: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
        """All five binary metrics per resample, sharing the cumulative weights; each of shape (r,).

        Precision, recall and F1 are those of the prediction ``score >= threshold``.
        """
        cum_pos, cum_neg = _cumulative(w_pos), _cumulative(w_neg)
        # The predicted positives are a suffix of each sorted class.
        first_pos = np.searchsorted(self.pos_scores, threshold, side="left")
        first_neg = np.searchsorted(self.neg_scores, threshold, side="left")
        all_pos = cum_pos[:, -1]
        true_pos = all_pos - cum_pos[:, first_pos]
        predicted = true_pos + cum_neg[:, -1] - cum_neg[:, first_neg]
        return {
            "roc_auc": self._roc_auc(w_pos, cum_neg),
            "pr_auc": self._average_precision(w_pos, cum_pos, cum_neg),
            # zero_division=0, as for the scikit-learn point values.
            "precision": np.divide(true_pos, predicted, out=np.zeros_like(true_pos), where=true_pos > 0),
            "recall": true_pos / all_pos,
            "f1": 2.0 * true_pos / (predicted + all_pos),
        }

    def _roc_auc(self, w_pos: np.ndarray, cum_neg: np.ndarray) -> np.ndarray:
        # Twice (negatives below + half the tied negatives): two gathers added, not one halved.
        twice_below = cum_neg[:, self._neg_below] + cum_neg[:, self._neg_at_most]
        return np.einsum("ij,ij->i", w_pos, twice_below) / (2.0 * w_pos.sum(axis=1) * cum_neg[:, -1])

    def _average_precision(self, w_pos: np.ndarray, cum_pos: np.ndarray, cum_neg: np.ndarray) -> np.ndarray:
        # Weight of the positives / negatives scoring at least as high as each positive.
        true_pos = cum_pos[:, -1:] - cum_pos[:, self._pos_below]
        false_pos = cum_neg[:, -1:] - cum_neg[:, self._neg_below]
        # A positive drawn zero times contributes nothing, even where no row at its score was drawn.
        precision = np.divide(true_pos, true_pos + false_pos, out=np.zeros_like(true_pos), where=true_pos > 0)
        return np.einsum("ij,ij->i", w_pos, precision) / cum_pos[:, -1]


def binary_bootstrap(
    y: np.ndarray, score: np.ndarray, threshold: float, *, n_resamples: int, seed: int
) -> dict[str, np.ndarray]:
    """Bootstrap distribution of the five binary metrics, rows resampled with their prevalence.

    Args:
        y: shape (n,), 0/1 with both classes present.
        score: shape (n,), scores of the positive class.
        threshold: ``score >= threshold`` is predicted positive (precision, recall, F1).

    Returns:
        ``{"roc_auc", "pr_auc", "precision", "recall", "f1"}`` -> shape (n_resamples,) each.
    """
    ranked = RankedBinary(score, y == 1)
    rng = np.random.default_rng(seed)
    # Rows are exchangeable within a class, so the counts of the rows in sorted order (positives, then
    # negatives) serve as well as counts in row order, and need no gather afterwards.
    sorted_y = np.concatenate([np.ones(ranked.n_pos, np.int64), np.zeros(ranked.n_neg, np.int64)])
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _BINARY_METRICS}
    for size in chunk_sizes(n_resamples, y.size):
        counts = row_counts(sorted_y, 2, size, rng).astype(np.float64)
        w_pos, w_neg = counts[:, : ranked.n_pos], counts[:, ranked.n_pos :]
        for name, values in ranked.metrics(w_pos, w_neg, threshold).items():
            parts[name].append(values)
    return {name: np.concatenate(values) for name, values in parts.items()}


class RankedOneVsRest:
    """One `RankedBinary` per class of a multiclass task (class k against the rest).

    Args:
        y: shape (n,), class indices in ``range(n_classes)``, every class present.
        proba: shape (n, n_classes).
    """

    def __init__(self, y: np.ndarray, proba: np.ndarray) -> None:
        self.per_class = [RankedBinary(proba[:, k], y == k) for k in range(proba.shape[1])]

    def _weights(self, counts: np.ndarray) -> Iterator[tuple[RankedBinary, np.ndarray, np.ndarray]]:
        for ranked in self.per_class:
            yield ranked, counts[:, ranked.pos_rows], counts[:, ranked.neg_rows]

    def macro_roc_auc(self, counts: np.ndarray) -> np.ndarray:
        """Macro one-vs-rest ROC-AUC per resample; counts of shape (r, n) in row order; returns (r,)."""
        return np.mean([ranked.roc_auc(wp, wn) for ranked, wp, wn in self._weights(counts)], axis=0)

    def macro_average_precision(self, counts: np.ndarray) -> np.ndarray:
        """Macro average precision per resample; counts as for `macro_roc_auc`; returns (r,)."""
        return np.mean([ranked.average_precision(wp, wn) for ranked, wp, wn in self._weights(counts)], axis=0)


def multiclass_bootstrap(
    y: np.ndarray, proba: np.ndarray, *, n_resamples: int, seed: int
) -> dict[str, np.ndarray]:
    """Bootstrap distribution of the macro metrics of a multiclass classifier, rows resampled with the
    class frequencies (`row_counts`).

    Args:
        y: shape (n,), class indices in ``range(n_classes)``, every class present.
        proba: shape (n, n_classes).

    Returns:
        ``{"roc_auc", "pr_auc", "precision", "recall", "f1"}`` -> shape (n_resamples,) each; precision,
        recall and F1 are macro averages for the argmax prediction.
    """
    n_classes = proba.shape[1]
    ranked = RankedOneVsRest(y, proba)
    # Each row falls in one confusion-matrix cell; a resample's confusion matrix is counts @ cell one-hot
    # (sparse: one entry per row, however many classes).
    cells = y * n_classes + proba.argmax(axis=1)
    cell_one_hot = sparse.csr_array(
        (np.ones(y.size), (np.arange(y.size), cells)), shape=(y.size, n_classes * n_classes)
    )
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _BINARY_METRICS}
    for size in chunk_sizes(n_resamples, y.size):
        counts = row_counts(y, n_classes, size, rng).astype(np.float64)
        confusion = (counts @ cell_one_hot).reshape(size, n_classes, n_classes)
        precision, recall, f1 = _macro_scores(confusion)
        parts["roc_auc"].append(ranked.macro_roc_auc(counts))
        parts["pr_auc"].append(ranked.macro_average_precision(counts))
        parts["precision"].append(precision)
        parts["recall"].append(recall)
        parts["f1"].append(f1)
    return {name: np.concatenate(values) for name, values in parts.items()}


def _macro_scores(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Macro precision, recall, F1 from confusion matrices (r, true, predicted); zero_division=0."""
    true_pos = np.diagonal(confusion, axis1=1, axis2=2)
    predicted = confusion.sum(axis=1)
    actual = confusion.sum(axis=2)
    zeros = np.zeros_like(true_pos)
    precision = np.divide(true_pos, predicted, out=zeros.copy(), where=predicted > 0)
    recall = np.divide(true_pos, actual, out=zeros.copy(), where=actual > 0)
    f1 = np.divide(2.0 * true_pos, predicted + actual, out=zeros.copy(), where=(predicted + actual) > 0)
    return precision.mean(axis=1), recall.mean(axis=1), f1.mean(axis=1)


def _cumulative(weights: np.ndarray) -> np.ndarray:
    """Cumulative sums along rows with a leading zero column: shape (r, k) -> (r, k + 1)."""
    out = np.zeros((weights.shape[0], weights.shape[1] + 1), dtype=np.float64)
    np.cumsum(weights, axis=1, out=out[:, 1:])
    return out
