"""The verdict rule on simulated scores with a known truth (small and seeded; the full grid is
benchmarks/verdict_simulation.py, its table in the README)."""

from __future__ import annotations

from benchmarks.verdict_simulation import simulate

RUNS = 150


def test_a_real_gain_of_two_points_is_no_longer_called_good_enough() -> None:
    # Base ROC-AUC 0.80, the deep model truly +0.02, 1,000 test rows: the old rule ("not significant, so
    # you've won") said good enough in most runs; the interval holds the 0.01 margin, so now it does not.
    new, old = simulate(gain=0.02, n_test=1000, runs=RUNS, seed=7)

    assert old["simple_model_good_enough"] / RUNS > 0.5
    assert new["simple_model_good_enough"] / RUNS < 0.05
    assert new["inconclusive"] + new["deep_learning_worth_it"] >= 0.95 * RUNS


def test_pure_noise_is_no_signal() -> None:
    new, old = simulate(gain=0.0, n_test=1000, runs=RUNS, seed=8, base_auc=0.5)

    assert new["no_signal"] / RUNS > 0.85
    assert new["deep_learning_worth_it"] / RUNS < 0.03  # a false "worth it" needs two 5% errors at once
    assert old["simple_model_good_enough"] / RUNS > 0.9  # what "you've won" used to be said on


def test_no_true_gain_is_rarely_called_worth_it() -> None:
    new, _ = simulate(gain=0.0, n_test=1000, runs=RUNS, seed=9)

    assert new["deep_learning_worth_it"] / RUNS < 0.05
