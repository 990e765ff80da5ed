"""DeLong's paired test for two correlated ROC-AUCs, in the O(n log n) form of Sun & Xu (2014).

DeLong, DeLong & Clarke-Pearson (1988) estimate the covariance of two AUCs measured on the same cases from
*placement values*: for a positive, the fraction of negatives it outscores (ties count one half); for a
negative, the fraction of positives that outscore it. Sun & Xu (2014) obtain every placement value from
three midrank vectors, so the test costs three sorts per score instead of n_pos * n_neg comparisons.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata

from workers.errors import InvalidOption
from workers.evaluation.metrics import binary_inputs


def delong_roc_test(
    y_true: np.ndarray, score_a: np.ndarray, score_b: np.ndarray
) -> tuple[float, float, float]:
    """Compare two ROC-AUCs measured on the same cases.

    Args:
        y_true: shape (n,), 0/1 ints or bools; 1 is the positive class.
        score_a, score_b: shape (n,), the two models' scores for the positive class.

    Returns:
        (auc_a, auc_b, p_value): the two AUCs and the two-sided p-value of H0: AUC_a == AUC_b.
        Identical scores (zero variance, equal AUCs) give p = 1.0.
    """
    y, a = binary_inputs(y_true, score_a, name="score_a")
    _, b = binary_inputs(y_true, score_b, name="score_b")
    auc_a, auc_b, variance = _paired_variance(y, a, b)
    if variance <= 0.0:
        # Every case moves the two AUCs alike: no sampling noise in the difference.
        return auc_a, auc_b, 1.0 if auc_a == auc_b else 0.0
    z = (auc_a - auc_b) / np.sqrt(variance)
    return auc_a, auc_b, float(2.0 * norm.sf(abs(z)))


def delong_delta_interval(
    y_true: np.ndarray, score_a: np.ndarray, score_b: np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The difference AUC_b - AUC_a with its Wald interval from DeLong's paired variance (DeLong et al. 1988).

    Args:
        y_true: shape (n,), 0/1; 1 is the positive class.
        score_a, score_b: shape (n,), the two models' scores for the positive class (b - a is reported:
            pass the baseline as `a` and the challenger as `b`).
        confidence: the interval's coverage, in (0, 1).

    Returns:
        ``(delta, ci_low, ci_high)``: delta ± z·sqrt(Var(AUC_b - AUC_a)). The same variance as
        `delong_roc_test`, so the interval excludes 0 exactly when that test's p < 1 - confidence.
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidOption(f"confidence must be in (0, 1), got {confidence}.")
    y, a = binary_inputs(y_true, score_a, name="score_a")
    _, b = binary_inputs(y_true, score_b, name="score_b")
    auc_a, auc_b, variance = _paired_variance(y, a, b)
    delta = auc_b - auc_a
    half = float(norm.isf((1.0 - confidence) / 2.0) * np.sqrt(max(variance, 0.0)))
    return delta, delta - half, delta + half


def delong_auc_interval(
    y_true: np.ndarray, score: np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """One ROC-AUC with its Wald interval from DeLong's variance (DeLong et al. 1988), clipped to [0, 1].

    Returns:
        ``(auc, ci_low, ci_high)``. A closed-form interval for simulations that cannot afford a bootstrap
        per run; the report's intervals come from the bootstrap (workers.evaluation.metrics).
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidOption(f"confidence must be in (0, 1), got {confidence}.")
    y, s = binary_inputs(y_true, score)
    positive = y == 1
    if int(positive.sum()) < 2 or int((~positive).sum()) < 2:
        raise InvalidOption("DeLong's variance needs at least 2 positives and 2 negatives.")
    v10, v01 = _placements(s, positive)
    variance = np.var(v10, ddof=1) / v10.size + np.var(v01, ddof=1) / v01.size
    auc = float(v10.mean())
    half = float(norm.isf((1.0 - confidence) / 2.0) * np.sqrt(variance))
    return auc, max(auc - half, 0.0), min(auc + half, 1.0)


def _paired_variance(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(AUC_a, AUC_b, Var(AUC_a - AUC_b)) by DeLong's placement values; y is 0/1, a and b checked scores."""
    positive = y == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos < 2 or n_neg < 2:
        # The covariance estimate divides by n_pos - 1 and n_neg - 1.
        raise InvalidOption(
            f"DeLong's test needs at least 2 positives and 2 negatives, got {n_pos} and {n_neg}."
        )
    v10_a, v01_a = _placements(a, positive)
    v10_b, v01_b = _placements(b, positive)
    # Var(AUC_a - AUC_b) = L S L^T with L = (1, -1) and S = S10/m + S01/n; taking the variance of the
    # differences of placement values is the same quantity without cancellation between the terms.
    variance = np.var(v10_a - v10_b, ddof=1) / n_pos + np.var(v01_a - v01_b, ddof=1) / n_neg
    return float(v10_a.mean()), float(v10_b.mean()), float(variance)


def _placements(score: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placement values V10 (shape (n_pos,)) and V01 (shape (n_neg,)) from midranks (Sun & Xu, eq. 8-9)."""
    pos, neg = score[positive], score[~positive]
    n_pos, n_neg = pos.size, neg.size
    t_z = rankdata(np.concatenate([pos, neg]))  # midranks in the pooled sample
    t_x = rankdata(pos)  # midranks among positives
    t_y = rankdata(neg)  # midranks among negatives
    # A positive's pooled rank minus its rank among positives counts the negatives below it (ties 0.5).
    v10 = (t_z[:n_pos] - t_x) / n_neg
    v01 = 1.0 - (t_z[n_pos:] - t_y) / n_pos
    return v10, v01
