"""Paired bootstrap test of two multiclass models' macro ROC-AUCs (DeLong's test is binary-only)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from workers.errors import InvalidOption
from workers.evaluation.bootstrap import RankedOneVsRest, chunk_sizes, stratified_counts
from workers.evaluation.metrics import check_bootstrap_options, multiclass_inputs

DEFAULT_N_RESAMPLES = 2000


def paired_bootstrap_test(
    y_true: np.ndarray,
    proba_a: np.ndarray,
    proba_b: np.ndarray,
    *,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Compare the one-vs-rest macro ROC-AUCs of two models scored on the same rows.

    Args:
        y_true: shape (n,), class indices in ``range(n_classes)``, every class present.
        proba_a, proba_b: shape (n, n_classes) each, rows summing to 1.

    Returns:
        ``(auc_a, auc_b, p_value)``. Both models are scored on the same stratified resamples; the
        p-value is two-sided, from the bootstrap distribution of the difference shifted to the null
        (Efron & Tibshirani 1993, §16.4), with the +1 correction so it is never exactly 0.
    """
    auc_a, auc_b, difference = _bootstrap_differences(y_true, proba_a, proba_b, n_resamples, seed)
    observed = auc_a - auc_b
    # Under H0 the difference is centred on 0: shift the bootstrap distribution by the observed value.
    extreme = np.count_nonzero(np.abs(difference - observed) >= abs(observed))
    p_value = (1 + extreme) / (1 + difference.size)
    return auc_a, auc_b, float(p_value)


def paired_bootstrap_delta(
    y_true: np.ndarray,
    proba_a: np.ndarray,
    proba_b: np.ndarray,
    *,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """The difference of macro ROC-AUCs, b - a, with its paired percentile bootstrap interval
    (Efron & Tibshirani 1993, §13.3): both models scored on the same stratified resamples, so the
    interval carries their correlation. Same resamples as `paired_bootstrap_test` for the same seed.

    Returns:
        ``(delta, ci_low, ci_high)``; pass the baseline as `a` and the challenger as `b`.
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidOption(f"confidence must be in (0, 1), got {confidence}.")
    auc_a, auc_b, difference = _bootstrap_differences(y_true, proba_a, proba_b, n_resamples, seed)
    tail = (1.0 - confidence) / 2.0
    # `difference` is a - b on each resample; the interval of b - a is its mirror image.
    low, high = np.quantile(-difference, [tail, 1.0 - tail])
    return auc_b - auc_a, float(low), float(high)


def _bootstrap_differences(
    y_true: np.ndarray, proba_a: np.ndarray, proba_b: np.ndarray, n_resamples: int, seed: int
) -> tuple[float, float, np.ndarray]:
    """(AUC_a, AUC_b, AUC_a - AUC_b on each of `n_resamples` stratified resamples)."""
    y, a = multiclass_inputs(y_true, proba_a)
    _, b = multiclass_inputs(y_true, proba_b)
    if a.shape != b.shape:
        raise InvalidOption(f"proba_a has shape {a.shape} but proba_b has {b.shape}; they must match.")
    check_bootstrap_options(n_resamples, seed)
    labels = np.arange(a.shape[1])
    auc_a = float(roc_auc_score(y, a, multi_class="ovr", average="macro", labels=labels))
    auc_b = float(roc_auc_score(y, b, multi_class="ovr", average="macro", labels=labels))

    ranked_a, ranked_b = RankedOneVsRest(y, a), RankedOneVsRest(y, b)
    rng = np.random.default_rng(seed)
    differences = []
    # Each chunk holds the counts plus the gathered weights of both models.
    for size in chunk_sizes(n_resamples, 2 * y.size):
        counts = stratified_counts(y, size, rng).astype(np.float64)
        differences.append(ranked_a.macro_roc_auc(counts) - ranked_b.macro_roc_auc(counts))
    return auc_a, auc_b, np.concatenate(differences)
