"""The interval on ΔAUC the verdict reads: DeLong's paired variance (binary), the paired bootstrap (multiclass)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from workers.evaluation.delong import delong_delta_interval, delong_roc_test
from workers.evaluation.paired import paired_bootstrap_delta, paired_bootstrap_test


def _scores(seed: int, n: int = 600, gain: float = 0.4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    base = y * 1.0 + rng.normal(size=n)
    better = y * (1.0 + gain) + rng.normal(size=n) * 0.9 + 0.3 * (base - y)
    return y, base, better


@pytest.mark.parametrize("seed", range(6))
def test_the_delong_interval_excludes_zero_exactly_when_the_test_is_significant(seed: int) -> None:
    y, base, better = _scores(seed, gain=0.15)

    delta, low, high = delong_delta_interval(y, base, better)
    auc_base, auc_better, p = delong_roc_test(y, base, better)

    assert delta == pytest.approx(auc_better - auc_base)
    assert low < delta < high
    assert (low > 0 or high < 0) == (p < 0.05)
    # Wald: the half-width is z * se, and the test's z is delta / se.
    assert (high - low) / 2 == pytest.approx(norm.isf(0.025) * abs(delta) / norm.isf(p / 2), rel=1e-6)


def test_the_paired_bootstrap_interval_is_of_b_minus_a_and_matches_its_test() -> None:
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(3), 150)
    noisy = rng.dirichlet(np.ones(3), size=y.size)
    sharp = 0.5 * noisy + 0.5 * np.eye(3)[y]

    delta, low, high = paired_bootstrap_delta(y, noisy, sharp, n_resamples=400, seed=1)
    auc_noisy, auc_sharp, p = paired_bootstrap_test(y, noisy, sharp, n_resamples=400, seed=1)

    assert delta == pytest.approx(auc_sharp - auc_noisy)
    assert 0 < low <= delta <= high
    assert p < 0.01
