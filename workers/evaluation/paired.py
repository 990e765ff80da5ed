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
    difference = np.concatenate(differences)

    observed = auc_a - auc_b
    # Under H0 the difference is centred on 0: shift the bootstrap distribution by the observed value.
    extreme = np.count_nonzero(np.abs(difference - observed) >= abs(observed))
    p_value = (1 + extreme) / (1 + difference.size)
    return auc_a, auc_b, float(p_value)
