"""DeLong's test against an independent, naive implementation of the 1988 paper."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from workers.errors import InvalidOption
from workers.evaluation import delong_roc_test


def naive_delong(y: np.ndarray, score_a: np.ndarray, score_b: np.ndarray) -> tuple[float, float, float]:
    """DeLong, DeLong & Clarke-Pearson (1988), straight from the definitions, O(n_pos * n_neg)."""
    scores = [np.asarray(score_a, float), np.asarray(score_b, float)]
    positive = np.asarray(y) == 1
    m, n = int(positive.sum()), int((~positive).sum())
    v10, v01, aucs = [], [], []
    for s in scores:
        x, yy = s[positive], s[~positive]
        # Heaviside kernel psi(X, Y) = 1 if X > Y, 1/2 if X == Y, 0 otherwise.
        psi = (x[:, None] > yy[None, :]) + 0.5 * (x[:, None] == yy[None, :])
        aucs.append(psi.sum() / (m * n))
        v10.append(psi.mean(axis=1))  # placement of each positive X_i
        v01.append(psi.mean(axis=0))  # placement of each negative Y_j
    s10 = np.empty((2, 2))
    s01 = np.empty((2, 2))
    for r in range(2):
        for k in range(2):
            s10[r, k] = np.sum((v10[r] - aucs[r]) * (v10[k] - aucs[k])) / (m - 1)
            s01[r, k] = np.sum((v01[r] - aucs[r]) * (v01[k] - aucs[k])) / (n - 1)
    covariance = s10 / m + s01 / n
    contrast = np.array([1.0, -1.0])
    variance = contrast @ covariance @ contrast
    z = (aucs[0] - aucs[1]) / math.sqrt(variance)
    return aucs[0], aucs[1], 2.0 * norm.sf(abs(z))


def tied_dataset(seed: int, n: int, positive_rate: float, decimals: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_rate).astype(int)
    y[:2], y[2:4] = 1, 0  # both classes, at least two of each
    signal = rng.normal(size=n)
    # Correlated scores, rounded so that many values tie within and across classes.
    a = np.round(signal + 1.0 * y + rng.normal(scale=0.5, size=n), decimals)
    b = np.round(signal + 0.7 * y + rng.normal(scale=0.5, size=n), decimals)
    return y, a, b


@pytest.mark.parametrize(
    ("seed", "n", "positive_rate", "decimals"),
    [(0, 50, 0.5, 1), (1, 300, 0.2, 1), (2, 400, 0.5, 2), (3, 1000, 0.05, 1), (4, 120, 0.7, 0)],
)
def test_agrees_with_naive_implementation_on_tied_data(seed, n, positive_rate, decimals):
    y, a, b = tied_dataset(seed, n, positive_rate, decimals)
    assert np.unique(a).size < n  # the data really has ties

    fast = delong_roc_test(y, a, b)
    naive = naive_delong(y, a, b)

    np.testing.assert_allclose(fast, naive, rtol=0, atol=1e-10)


def test_aucs_equal_scikit_learn():
    y, a, b = tied_dataset(7, 500, 0.3, 1)

    auc_a, auc_b, _ = delong_roc_test(y, a, b)

    assert auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)


def test_hand_derived_case():
    # Positives score A = (0.9, 0.8, 0.4), B = (0.6, 0.5, 0.5); negatives A = (0.7, 0.3, 0.2), B = (0.5, 0.7, 0.1).
    # Placements: V10_A = (1, 1, 2/3), V10_B = (2/3, 1/2, 1/2); V01_A = (2/3, 1, 1), V01_B = (2/3, 0, 1).
    # AUC_A = 8/9, AUC_B = 5/9. Differences: V10 (1/3, 1/2, 1/6) -> variance 1/36; V01 (0, 1, 0) -> 1/3.
    # Var(AUC_A - AUC_B) = (1/36)/3 + (1/3)/3 = 13/108; z = (1/3) / sqrt(13/108) = sqrt(12/13).
    y = np.array([1, 0, 1, 0, 1, 0])
    a = np.array([0.9, 0.7, 0.8, 0.3, 0.4, 0.2])
    b = np.array([0.6, 0.5, 0.5, 0.7, 0.5, 0.1])

    auc_a, auc_b, p = delong_roc_test(y, a, b)

    assert auc_a == pytest.approx(8 / 9, abs=1e-12)
    assert auc_b == pytest.approx(5 / 9, abs=1e-12)
    assert p == pytest.approx(2 * norm.sf(math.sqrt(12 / 13)), abs=1e-12)
    assert p == pytest.approx(0.3367, abs=1e-4)


def test_bool_labels_give_the_same_answer_as_ints():
    y, a, b = tied_dataset(5, 200, 0.4, 1)

    assert delong_roc_test(y.astype(bool), a, b) == delong_roc_test(y, a, b)


def test_swapping_the_models_swaps_the_aucs_and_keeps_p():
    y, a, b = tied_dataset(6, 200, 0.4, 1)

    auc_a, auc_b, p = delong_roc_test(y, a, b)

    assert delong_roc_test(y, b, a) == pytest.approx((auc_b, auc_a, p), abs=1e-15)


def test_identical_scores_give_p_one():
    y, a, _ = tied_dataset(8, 200, 0.4, 1)

    auc_a, auc_b, p = delong_roc_test(y, a, a.copy())

    assert auc_a == auc_b
    assert p == 1.0


def test_clearly_better_score_is_significant():
    rng = np.random.default_rng(11)
    y = (rng.random(2000) < 0.3).astype(int)
    strong = y * 2.0 + rng.normal(size=y.size)
    weak = y * 0.5 + rng.normal(size=y.size)

    _, _, p = delong_roc_test(y, strong, weak)

    assert p < 0.001


def test_equally_good_scores_are_not_significant():
    rng = np.random.default_rng(12)
    y = (rng.random(2000) < 0.3).astype(int)
    first = y * 1.0 + rng.normal(size=y.size)
    second = y * 1.0 + rng.normal(size=y.size)

    _, _, p = delong_roc_test(y, first, second)

    assert p > 0.2


def test_p_is_one_and_aucs_exact_for_perfect_models():
    y = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.2, 0.8, 0.9, 0.3, 0.7])

    assert delong_roc_test(y, score, score * 2) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("y", "a", "b", "message"),
    [
        ([1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], "only the class 1"),
        ([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], "0/1"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4], "must match"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3], "must match"),
        ([0, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], "at least 2 positives"),
        ([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], "NaN"),
        ([0, 1, 0, 1], [[0.1, 0.2, 0.3, 0.4]], [0.1, 0.2, 0.3, 0.4], "shape"),
    ],
)
def test_bad_input_is_an_invalid_option(y, a, b, message):
    with pytest.raises(InvalidOption, match=message):
        delong_roc_test(np.array(y), np.array(a), np.array(b))
