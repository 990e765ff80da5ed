"""Learning curves: fitting the power law back, saturation, and where a deep model overtakes a baseline."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from workers import learning_curve as lc
from workers.errors import InvalidOption
from workers.learning_curve import compare_curves, fit_learning_curve, learning_curve_evidence
from workers.rubric.evidence import Evidence

FRACTIONS = np.array([0.10, 0.25, 0.50, 1.00])
N_TRAIN = 10_000
SIZES = FRACTIONS * N_TRAIN


def law(n: np.ndarray, a: float, gap: float, c: float, n_ref: float = N_TRAIN) -> np.ndarray:
    """auc(n) = a - b * n^(-c), written with gap = b * n_ref^(-c), the distance to a at n_ref."""
    return a - gap * (n / n_ref) ** (-c)


def noisy(values: np.ndarray, sd: float, seed: int) -> np.ndarray:
    return values + np.random.default_rng(seed).normal(0.0, sd, values.size)


def test_known_power_law_is_fitted_back_and_still_rising():
    sizes = np.array([500, 1000, 2000, 4000, 8000, 16000], dtype=float)
    a, b, c = 0.92, 0.05 * 16000**0.5, 0.5  # 0.05 below the asymptote at 16,000 rows
    aucs = noisy(a - b * sizes ** (-c), sd=0.001, seed=0)

    fit = fit_learning_curve(sizes, aucs, n_bootstrap=100, seed=0)

    assert fit.fit_ok and fit.reason is None
    assert fit.a == pytest.approx(a, abs=0.01)
    assert fit.c == pytest.approx(c, abs=0.1)
    assert fit.asymptote == fit.a
    assert fit.asymptote_ci_low <= a <= fit.asymptote_ci_high
    true_gain = b * 16000 ** (-c) * (1 - 2 ** (-c))  # auc(2 n_max) - auc(n_max) = 0.0146
    assert fit.expected_gain_next_doubling == pytest.approx(true_gain, abs=0.002)
    assert fit.still_rising
    assert fit.noise_source == "floor"  # residuals of 0.001 are below MIN_POINT_SE
    assert json.loads(json.dumps(fit.to_json()))["c"] == pytest.approx(fit.c)


def test_flat_curve_is_not_rising_and_gains_nothing():
    fit = fit_learning_curve(SIZES, [0.90, 0.901, 0.899, 0.90], n_bootstrap=50)

    assert not fit.still_rising
    assert fit.expected_gain_next_doubling == pytest.approx(0.0, abs=0.001)
    assert fit.asymptote == pytest.approx(0.90, abs=0.002)
    evidence = learning_curve_evidence(fit)
    assert set(evidence) == {"still_rising", "expected_gain_next_doubling"}
    assert evidence["still_rising"] is False
    assert evidence["expected_gain_next_doubling"] == pytest.approx(0.0, abs=0.001)


def test_falling_curve_is_taken_as_saturated_at_its_last_auc():
    fit = fit_learning_curve(SIZES, [0.91, 0.905, 0.90, 0.89], n_bootstrap=50)

    assert not fit.fit_ok
    assert "does not rise" in fit.reason
    assert fit.asymptote == fit.auc_at_n_max == 0.89
    assert fit.expected_gain_next_doubling == 0.0 and not fit.still_rising
    assert fit.asymptote_ci_low < 0.89 < fit.asymptote_ci_high
    assert fit.to_json()["a"] is None


def test_three_points_fitted_exactly_still_get_an_interval():
    sizes = np.array([1000, 3000, 10000.0])
    fit = fit_learning_curve(sizes, law(sizes, 0.9, 0.03, 0.5), n_bootstrap=100)
    assert fit.fit_ok and fit.noise_source == "floor"
    assert fit.point_se == (lc.MIN_POINT_SE,) * 3
    assert fit.asymptote_ci_low < fit.asymptote < fit.asymptote_ci_high


def test_same_seed_same_intervals():
    aucs = noisy(law(SIZES, 0.9, 0.03, 0.5), sd=0.002, seed=1)
    first = fit_learning_curve(SIZES, aucs, n_bootstrap=40, seed=5)
    again = fit_learning_curve(SIZES, aucs, n_bootstrap=40, seed=5)
    assert first.to_json() == again.to_json()


def test_deep_curve_overtakes_where_the_generating_laws_cross():
    se = [0.002] * 4
    base_law = (0.88, 0.01, 0.5)  # nearly saturated
    deep_law = (0.93, 0.1218, 0.5)  # far below at 10,000 rows, but rising fast to a higher asymptote
    # With one exponent, a_b - g_b r^-c = a_d - g_d r^-c at r = ((g_d - g_b) / (a_d - a_b))^(1/c).
    truth = N_TRAIN * ((deep_law[1] - base_law[1]) / (deep_law[0] - base_law[0])) ** (1 / 0.5)
    assert truth == pytest.approx(50_000, rel=0.01)
    baseline = fit_learning_curve(SIZES, noisy(law(SIZES, *base_law), 0.002, seed=1), std_errors=se, seed=1)
    deep = fit_learning_curve(SIZES, noisy(law(SIZES, *deep_law), 0.002, seed=2), std_errors=se, seed=2)

    comparison = compare_curves(baseline, deep)

    assert comparison.status == "overtakes"
    assert truth / 2 < comparison.overtake_size < truth * 2
    assert comparison.overtake_ci_low <= truth
    assert comparison.overtake_ci_high is None or truth <= comparison.overtake_ci_high
    assert comparison.overtake_probability > 0.9
    assert "overtake the baseline at about" in comparison.message
    assert json.loads(json.dumps(comparison.to_json()))["status"] == "overtakes"
    # The rubric hears about the model that is better now: the baseline, nearly flat.
    assert learning_curve_evidence(baseline, deep) == learning_curve_evidence(baseline)


def test_deep_model_already_ahead_is_said_and_its_curve_is_the_evidence():
    baseline = fit_learning_curve(SIZES, law(SIZES, 0.85, 0.005, 0.5), n_bootstrap=0)
    deep = fit_learning_curve(SIZES, law(SIZES, 0.95, 0.05, 0.5), n_bootstrap=0)

    comparison = compare_curves(baseline, deep)

    assert comparison.status == "deep_ahead"
    assert comparison.overtake_size is None
    assert "already ahead" in comparison.message
    evidence = learning_curve_evidence(baseline, deep)
    assert evidence == {"still_rising": True, "expected_gain_next_doubling": deep.expected_gain_next_doubling}
    assert Evidence(1000, 5, 2, 100, learning_curve=evidence).learning_curve_promising


def test_deep_model_levelling_off_lower_never_overtakes():
    baseline = fit_learning_curve(SIZES, law(SIZES, 0.90, 0.01, 0.5), n_bootstrap=50)
    deep = fit_learning_curve(SIZES, law(SIZES, 0.87, 0.05, 0.7), n_bootstrap=50)

    comparison = compare_curves(baseline, deep)

    assert comparison.status == "never"
    assert comparison.overtake_size is None
    assert "not expected to overtake" in comparison.message


def test_crossing_beyond_the_search_limit_is_reported_as_such():
    baseline = fit_learning_curve(SIZES, law(SIZES, 0.900, 0.002, 1.0), n_bootstrap=0)
    deep = fit_learning_curve(SIZES, law(SIZES, 0.905, 0.2, 0.1), n_bootstrap=0)

    comparison = compare_curves(baseline, deep)

    assert comparison.status == "not_within_search"
    assert comparison.search_limit == 1000 * N_TRAIN
    assert "within 1000× the data" in comparison.message


def test_a_failed_fit_says_so_and_falls_back_to_the_last_two_points(monkeypatch):
    def no_convergence(*args, **kwargs):
        raise RuntimeError("Optimal parameters not found")

    monkeypatch.setattr(lc, "curve_fit", no_convergence)
    fit = fit_learning_curve(SIZES, [0.80, 0.84, 0.86, 0.87])

    assert not fit.fit_ok and fit.asymptote is None
    assert "could not be fitted" in fit.reason
    assert fit.expected_gain_next_doubling == pytest.approx(0.01)  # 0.87 - 0.86 over one doubling
    assert fit.still_rising
    other = fit_learning_curve(SIZES, [0.90, 0.90, 0.90, 0.90])
    assert compare_curves(other, fit).status == "unknown"


@pytest.mark.parametrize(
    ("sizes", "aucs", "std_errors", "message"),
    [
        ([1000, 10000], [0.8, 0.9], None, "at least 3 points"),
        ([1000, 2000, 4000], [0.8, math.nan, 0.9], None, r"AUC must be a number in \[0, 1\]"),
        ([1000, 2000, 4000], [0.8, 0.85, 1.2], None, r"AUC must be a number in \[0, 1\]"),
        ([1000, 4000, 2000], [0.8, 0.85, 0.9], None, "must increase strictly"),
        ([1000, 1000, 2000], [0.8, 0.85, 0.9], None, "must increase strictly"),
        ([0, 1000, 2000], [0.8, 0.85, 0.9], None, "positive number"),
        ([1000, 2000, 4000], [0.8, 0.85], None, "one AUC per training size"),
        ([1000, 2000, 4000], [0.8, 0.85, 0.9], [0.01, 0.01], "one per point"),
        ([1000, 2000, 4000], [0.8, 0.85, 0.9], [0.01, 0.0, 0.01], "standard error must be a positive"),
        ([1000, 2000, 4000], ["a", "b", "c"], None, "must be a list of numbers"),
    ],
)
def test_degenerate_inputs_are_refused_with_a_clear_message(sizes, aucs, std_errors, message):
    with pytest.raises(InvalidOption, match=message):
        fit_learning_curve(sizes, aucs, std_errors=std_errors)
