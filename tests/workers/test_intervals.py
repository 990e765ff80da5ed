"""The test metrics' intervals cover the truth: Wilson for proportions, a score interval for ROC-AUC (the
logit DeLong one is still tested where it is used: at perfect separation), and a bootstrap that resamples
the prevalence. Small seeded simulations against a binormal population whose
metrics are known; the full grid is `benchmarks/interval_coverage.py`."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, norm

from workers.evaluation import evaluate_binary
from workers.evaluation.intervals import auc_logit_interval, wilson_interval

METRICS = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def binormal_truth(auc: float, prevalence: float, threshold: float) -> dict[str, float]:
    """Population metrics of scores N(d, 1) for positives and N(0, 1) for negatives, d from the AUC."""
    d = np.sqrt(2.0) * norm.ppf(auc)
    t = np.linspace(-8.0, d + 8.0, 40001)
    tp, fp = prevalence * norm.cdf(d - t), (1.0 - prevalence) * norm.cdf(-t)
    precision = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
    recall = norm.cdf(d - threshold)
    tp_t, fp_t = prevalence * recall, (1.0 - prevalence) * norm.cdf(-threshold)
    return {
        "roc_auc": auc,
        "pr_auc": float(-np.trapezoid(precision, norm.cdf(d - t))),
        "precision": tp_t / (tp_t + fp_t),
        "recall": recall,
        "f1": 2.0 * tp_t / (prevalence + tp_t + fp_t),
    }


def coverage(
    n: int, prevalence: float, auc: float, threshold: float, *, sims: int, n_resamples: int
) -> tuple[dict[str, float], float]:
    """Share of `sims` i.i.d. test splits whose interval holds the truth, per metric; and the share of
    ROC-AUC intervals lying entirely above it."""
    truth = binormal_truth(auc, prevalence, threshold)
    d = np.sqrt(2.0) * norm.ppf(auc)
    rng = np.random.default_rng(0)
    hits = dict.fromkeys(METRICS, 0)
    above = 0
    done = 0
    while done < sims:
        y = (rng.random(n) < prevalence).astype(int)
        score = rng.normal(size=n) + d * y
        if not 0 < y.sum() < n:
            continue  # the tool refuses a test split with one class
        result = evaluate_binary(y, score, threshold, n_resamples=n_resamples, seed=done)
        for name in METRICS:
            hits[name] += result[name]["ci_low"] <= truth[name] <= result[name]["ci_high"]
        above += result["roc_auc"]["ci_low"] > auc
        done += 1
    return {name: hits[name] / sims for name in METRICS}, above / sims


def test_a_perfect_precision_on_38_rows_is_not_certain():
    # The audit's case: 38 predicted positives, all correct, was reported as 1.000 [1.000, 1.000].
    y = np.array([1] * 38 + [1] * 12 + [0] * 150)
    score = np.r_[np.full(38, 0.9), np.full(12, 0.3), np.linspace(0.0, 0.5, 150)]

    result = evaluate_binary(y, score, 0.8)

    precision = result["precision"]
    assert precision["value"] == 1.0 and precision["method"] == "wilson"
    assert precision["ci_high"] == 1.0
    assert precision["ci_low"] == pytest.approx(0.908, abs=1e-3)  # Wilson's 95% lower end for 38 / 38
    assert result["n_predicted_positive"] == 38


def test_a_perfect_f1_has_a_lower_end_from_wilson_on_the_jaccard_index():
    y = np.array([1] * 20 + [0] * 180)
    score = np.r_[np.full(20, 0.9), np.linspace(0.0, 0.5, 180)]

    f1 = evaluate_binary(y, score, 0.8)["f1"]

    # Every resample has F1 1.000. TP / (TP + FP + FN) = 20 / 20 has Wilson [0.839, 1.000]; F1 = 2J / (1 + J).
    assert (f1["value"], f1["ci_high"], f1["method"]) == (1.0, 1.0, "wilson_jaccard")
    assert f1["ci_low"] == pytest.approx(2 * 0.8389 / 1.8389, abs=1e-3)


def test_wilson_interval_holds_its_level_at_the_edges():
    # Exact coverage (a sum over the binomial), where the Wald interval collapses to a point.
    for n, p in ((38, 0.98), (30, 0.02), (200, 0.5), (12, 0.9)):
        k = np.arange(n + 1)
        held = [lo <= p <= hi for lo, hi in (wilson_interval(int(i), n) for i in k)]
        assert binom.pmf(k, n, p)[held].sum() >= 0.92, (n, p)
    assert wilson_interval(0, 25) == pytest.approx((0.0, 0.1332), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_a_perfectly_separating_auc_still_has_a_lower_end():
    score = np.r_[np.linspace(0.6, 1.0, 12), np.linspace(0.0, 0.5, 300)]
    positive = np.arange(score.size) < 12

    auc, low, high = auc_logit_interval(score, positive)

    assert auc == 1.0 and high == 1.0
    assert 0.7 < low < 0.8  # Wilson on min(n_pos, n_neg) = 12 trials (Van Dantzig's variance bound)


def test_precision_recall_f1_and_pr_auc_cover_with_the_prevalence_resampled():
    # 1,000 rows, 30% positives, AUC 0.75, at the population's max-F1 threshold. With class sizes held
    # fixed these splits' intervals covered precision 75.5%, F1 88.5%, PR-AUC 87.5% (now 95.5, 95, 92).
    covered, _ = coverage(1000, 0.30, 0.75, 0.39, sims=200, n_resamples=300)

    assert covered["precision"] >= 0.93 and covered["recall"] >= 0.92, covered
    assert covered["f1"] >= 0.93 and covered["pr_auc"] >= 0.91, covered


def test_precision_covers_at_3_percent_prevalence():
    # 1,000 rows, 3% positives (about 30), max-F1 threshold: the bootstrap covered precision 89.5% (Wilson 97%).
    covered, _ = coverage(1000, 0.03, 0.75, 1.64, sims=200, n_resamples=100)

    assert covered["precision"] >= 0.93, covered
    assert covered["recall"] >= 0.93, covered


def test_auc_interval_at_high_auc_and_40_positives_is_rarely_above_the_truth():
    # AUC 0.95 with about 40 positives: the percentile interval lay entirely above the truth in 10% of
    # splits here, covering 88% (the lower end, which "target reached" reads, optimistic). Logit DeLong: 7%
    # above, 91.7% covered. The binormal score interval now (tests/workers/test_interval_coverage.py holds
    # it to the 94-96% band in the hard cells; the README's coverage table has the grid).
    covered, above = coverage(1000, 0.04, 0.95, 2.15, sims=300, n_resamples=100)

    assert covered["roc_auc"] >= 0.90, covered
    assert above <= 0.075, above
