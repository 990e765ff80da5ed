"""The test metrics' intervals hold ~95% in the hard corners of benchmarks/interval_coverage.py: few
positives at high AUC (ROC-AUC), 6-30 positives at low AUC (PR-AUC), 6 positives (F1). Small seeded
simulations against a binormal population whose metrics are known (the benchmark's own truth and splits),
calling the interval functions `evaluate_binary` calls, without its scikit-learn point values (a few
milliseconds a split saved, 300 splits a test)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from benchmarks.interval_coverage import draw_split, population
from workers.evaluation import evaluate_binary
from workers.evaluation.auc_score import auc_score_interval, binormal_auc_variance
from workers.evaluation.bootstrap import RankedBinary, binary_bootstrap
from workers.evaluation.intervals import delong_variance, f1_jaccard_interval
from workers.evaluation.pr_auc_interval import pr_auc_interval
from workers.report.interval_methods import interval_methods_note
from workers.report.model import ModelEntry

Interval = Callable[[np.ndarray, np.ndarray, float, int], tuple[float, float]]


def roc_auc(y: np.ndarray, score: np.ndarray, threshold: float, seed: int) -> tuple[float, float]:
    return auc_score_interval(score, y == 1)[1:]


def pr_auc(y: np.ndarray, score: np.ndarray, threshold: float, seed: int) -> tuple[float, float]:
    samples = binary_bootstrap(y, score, threshold, n_resamples=200, seed=seed)["pr_auc"]
    ranked = RankedBinary(score, y == 1)
    point = ranked.average_precision(np.ones((1, ranked.n_pos)), np.ones((1, ranked.n_neg)))[0]
    return pr_auc_interval(samples, float(point), ranked.n_pos)[:2]


def f1(y: np.ndarray, score: np.ndarray, threshold: float, seed: int) -> tuple[float, float]:
    predicted, positive = score >= threshold, y == 1
    hits = int((predicted & positive).sum())
    return f1_jaccard_interval(hits, int(predicted.sum()) - hits, int(positive.sum()) - hits)


def coverage(
    n: int, prevalence: float, auc: float, metric: str, interval: Interval, *, sims: int = 300
) -> tuple[float, float]:
    """``(covered, above)``: shares of `sims` seeded test splits whose interval of `metric` holds the truth,
    lies entirely above it."""
    threshold, truth = population(auc, prevalence)
    rng = np.random.default_rng(2026)
    held = above = 0
    for i in range(sims):
        y, score = draw_split(n, prevalence, auc, rng)
        low, high = interval(y, score, threshold, i)
        held += low <= truth[metric] <= high
        above += low > truth[metric]
    return held / sims, above / sims


def test_the_auc_lower_end_is_rarely_above_the_truth_with_30_positives_at_auc_095() -> None:
    # 1,000 rows, 3% positives, AUC 0.95. The logit DeLong interval lay entirely above the truth in 5.7% of
    # these splits and covered 93.0% (its variance is small exactly when the estimate is lucky); the score
    # interval with the variance taken at its ends: none above, 97.3% covered.
    covered, above = coverage(1000, 0.03, 0.95, "roc_auc", roc_auc)

    assert above <= 0.025, above
    assert covered >= 0.94, covered


def test_the_auc_interval_holds_with_6_positives() -> None:
    # 200 rows, 3% positives, AUC 0.97: logit DeLong covered 89.0% (9.0% above); now 94.7%, none above.
    covered, above = coverage(200, 0.03, 0.97, "roc_auc", roc_auc)

    assert covered >= 0.94 and above <= 0.025, (covered, above)


def test_pr_auc_covers_with_30_positives_at_low_auc() -> None:
    # 1,000 rows, 3% positives, AUC 0.75 (PR-AUC 0.105): the estimate is biased upwards by half a standard
    # deviation. The bias-corrected bootstrap covered 92.3% of these splits; the logit t interval whose
    # standard error is floored by the binomial one of the 30 positives covers 96.3%.
    covered, _ = coverage(1000, 0.03, 0.75, "pr_auc", pr_auc)

    assert covered >= 0.94, covered


def test_f1_with_6_positives_covers_without_being_needlessly_wide() -> None:
    # 200 rows, 3% positives, AUC 0.75: the bootstrap's F1 interval (the Wilson ends' F1 where it
    # collapsed) covered 97.3% of these splits (99.3% of the benchmark's 1,000), with 75% before that
    # fallback; Wilson on TP / (TP + FP + FN), closed-form and exact in its binomial model: 95.0%.
    covered, _ = coverage(200, 0.03, 0.75, "f1", f1)

    assert 0.94 <= covered <= 0.98, covered


def test_the_binormal_variance_is_the_delong_variance_of_binormal_scores() -> None:
    # The variance at the bound must be the AUC's real variance under the model: against the spread of the
    # AUC over 2,000 binormal samples of 40 positives and 960 negatives, and DeLong's estimate's mean.
    rng = np.random.default_rng(0)
    aucs, delong = [], []
    positive = np.arange(1000) < 40
    for _ in range(2000):
        score = rng.normal(size=1000) + 2.33 * positive  # AUC = Phi(2.33 / sqrt 2) = 0.950
        auc, variance, _ = delong_variance(score, positive)
        aucs.append(auc)
        delong.append(variance)

    model = binormal_auc_variance(0.950, 40, 960)

    assert np.var(aucs) == pytest.approx(model, rel=0.1)
    assert np.mean(delong) == pytest.approx(model, rel=0.1)


def test_a_perfect_separation_keeps_the_distribution_free_lower_end() -> None:
    score = np.r_[np.linspace(0.6, 1.0, 12), np.linspace(0.0, 0.5, 300)]
    positive = np.arange(score.size) < 12

    auc, low, high = auc_score_interval(score, positive)

    # Not the binormal model's 0.93: Van Dantzig's bound on 12 trials, as before.
    assert auc == 1.0 and high == 1.0 and 0.7 < low < 0.8


def test_the_sentence_under_the_model_table_names_the_new_methods() -> None:
    y = np.r_[np.ones(30), np.zeros(170)].astype(int)
    score = np.r_[np.linspace(0.3, 1.0, 30), np.linspace(0.0, 0.7, 170)]
    test = evaluate_binary(y, score, 0.6, n_resamples=100)
    entry = ModelEntry.model_validate({"name": "xgboost", "test": test})

    note = interval_methods_note([entry])

    assert note is not None
    assert "ROC-AUC by a score interval with the binormal variance at its ends" in note
    assert "F1 by Wilson score interval of J = TP / (TP + FP + FN), mapped to F1 = 2J / (1 + J)" in note
    assert "PR-AUC by a logit-scale t interval" in note


def test_a_pr_auc_near_one_on_42_positives_is_not_stretched_by_the_binomial_floor() -> None:
    # The breast-cancer example's shape: 42 positives, 72 negatives, AP 0.989. The binomial standard error
    # on the logit scale grows without bound near 1 (uncapped: a lower end of 0.82, 0.73 on the example);
    # the floor widens the bootstrap's by at most half again.
    rng = np.random.default_rng(4)
    y = np.r_[np.ones(42), np.zeros(72)].astype(int)
    score = rng.normal(size=114) + 3.6 * y

    pr = evaluate_binary(y, score, 1.8)["pr_auc"]

    assert pr["value"] == pytest.approx(0.989, abs=1e-3)
    assert 0.90 < pr["ci_low"] < 0.95 and pr["ci_high"] < 1.0, pr
    assert pr["method"] == "logit_binomial_se"


def test_a_perfect_ranking_gets_wilsons_pr_auc_interval_even_a_hair_above_one() -> None:
    # An assessment crashed here: scikit-learn's AP of a perfect ranking was 1.0000000000000002 on 48
    # positives. It is read as 48 of 48: Wilson's [0.926, 1.000].
    samples = np.ones(100)

    low, high, method = pr_auc_interval(samples, 1.0000000000000002, 48)

    assert (high, method) == (1.0, "wilson")
    assert low == pytest.approx(0.926, abs=1e-3)
