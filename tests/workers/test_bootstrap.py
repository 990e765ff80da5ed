"""The vectorised bootstrap (rows resampled with their prevalence), and the paired bootstrap test."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

from workers.errors import InvalidOption
from workers.evaluation import bootstrap as bs
from workers.evaluation import paired_bootstrap_test
from workers.evaluation.delong import _placements


def binary_data(seed: int, n: int, positive_rate: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_rate).astype(int)
    y[:2] = [0, 1]
    score = np.round(1 / (1 + np.exp(-(1.2 * y + rng.normal(size=n) - 0.5))), 2)  # rounded: ties
    return y, score


def multiclass_data(seed: int, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)
    # Logits on a coarse grid: many rows share a probability vector, so every column has ties.
    logits = rng.integers(0, 3, size=(n, n_classes)).astype(float)
    logits[np.arange(n), y] += rng.integers(0, 2, size=n)
    proba = np.exp(logits)
    return y, proba / proba.sum(axis=1, keepdims=True)


def test_class_counts_are_resamples_of_the_same_size():
    counts = bs.class_counts(7, 500, np.random.default_rng(0))

    assert counts.shape == (500, 7)
    assert (counts.sum(axis=1) == 7).all()
    # Every item is drawn about once per resample on average.
    np.testing.assert_allclose(counts.mean(axis=0), 1.0, atol=0.15)


def test_row_resamples_let_the_prevalence_vary_but_keep_every_class():
    # 3 positives in 200 rows: about exp(-3) = 5% of plain resamples would hold none.
    y = np.array([1] * 3 + [0] * 197)

    counts = bs.row_counts(y, 2, 2000, np.random.default_rng(1))

    positives = counts[:, y == 1].sum(axis=1)
    assert counts.shape == (2000, 200)
    assert (counts.sum(axis=1) == 200).all()
    assert positives.min() >= 1
    # The class size varies as between i.i.d. test splits (Binomial(200, 0.015) given >= 1), which the
    # stratified bootstrap, holding it at 3, left out of every interval.
    assert 1.3 < positives.std() < 2.0
    assert positives.mean() == pytest.approx(3 / (1 - np.exp(-3)), rel=0.05)


def test_bias_corrected_interval_is_the_percentile_one_without_bias_and_shifts_with_it():
    samples = np.linspace(0.0, 1.0, 1001)

    assert bs.bias_corrected_interval(samples, 0.5, 0.95) == pytest.approx(
        bs.percentile_interval(samples, 0.95), abs=1e-3
    )
    # Resamples mostly below the estimate (a downward-biased bootstrap): the interval moves up.
    low, high = bs.bias_corrected_interval(samples, 0.6, 0.95)
    assert low > 0.025 and high > 0.975


def test_stratified_resamples_keep_every_class_and_its_size():
    y = np.array([0] * 50 + [1] * 3 + [2] * 20)

    counts = bs.stratified_counts(y, 2000, np.random.default_rng(1))

    for label in (0, 1, 2):
        assert (counts[:, y == label].sum(axis=1) == (y == label).sum()).all()


@pytest.mark.parametrize("threshold", [0.2, 0.45, 0.99])
def test_weighted_binary_metrics_equal_scikit_learn_with_sample_weights(threshold):
    y, score = binary_data(0, 400)
    ranked = bs.RankedBinary(score, y == 1)
    rng = np.random.default_rng(2)
    weights = np.vstack([rng.random(y.size), bs.class_counts(y.size, 1, rng)[0]])  # real-valued and counts

    metrics = ranked.metrics(weights[:, ranked.pos_rows], weights[:, ranked.neg_rows], threshold)

    predicted = (score >= threshold).astype(int)
    for i, w in enumerate(weights):
        assert metrics["roc_auc"][i] == pytest.approx(roc_auc_score(y, score, sample_weight=w), abs=1e-12)
        assert metrics["pr_auc"][i] == pytest.approx(
            average_precision_score(y, score, sample_weight=w), abs=1e-12
        )
        expected = [
            precision_score(y, predicted, sample_weight=w, zero_division=0),
            recall_score(y, predicted, sample_weight=w),
            f1_score(y, predicted, sample_weight=w, zero_division=0),
        ]
        got = [metrics["precision"][i], metrics["recall"][i], metrics["f1"][i]]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_unit_weights_reproduce_the_plain_metrics():
    y, score = binary_data(3, 300)
    ranked = bs.RankedBinary(score, y == 1)

    ones_pos, ones_neg = np.ones((1, ranked.n_pos)), np.ones((1, ranked.n_neg))

    assert ranked.roc_auc(ones_pos, ones_neg)[0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert ranked.average_precision(ones_pos, ones_neg)[0] == pytest.approx(
        average_precision_score(y, score), abs=1e-12
    )


def test_weighted_one_vs_rest_metrics_equal_scikit_learn():
    y, proba = multiclass_data(4, 300, 4)
    ranked = bs.RankedOneVsRest(y, proba)
    weights = np.random.default_rng(5).random((3, y.size))

    auc = ranked.macro_roc_auc(weights)
    ap = ranked.macro_average_precision(weights)

    for i, w in enumerate(weights):
        assert auc[i] == pytest.approx(
            roc_auc_score(y, proba, multi_class="ovr", average="macro", sample_weight=w), abs=1e-12
        )
        assert ap[i] == pytest.approx(
            average_precision_score(np.eye(4)[y], proba, average="macro", sample_weight=w), abs=1e-12
        )


def test_multiclass_resamples_equal_scikit_learn_on_the_same_draws():
    y, proba = multiclass_data(6, 200, 3)

    samples = bs.multiclass_bootstrap(y, proba, n_resamples=20, seed=9)

    # 20 resamples of 200 rows fit one chunk, so the draws are those of one row_counts call.
    counts = bs.row_counts(y, 3, 20, np.random.default_rng(9))
    for i in (0, 7, 19):
        w = counts[i]
        precision, recall, f1, _ = precision_recall_fscore_support(
            y, proba.argmax(axis=1), average="macro", sample_weight=w, zero_division=0
        )
        assert samples["precision"][i] == pytest.approx(precision, abs=1e-12)
        assert samples["recall"][i] == pytest.approx(recall, abs=1e-12)
        assert samples["f1"][i] == pytest.approx(f1, abs=1e-12)
        assert samples["roc_auc"][i] == pytest.approx(
            roc_auc_score(y, proba, multi_class="ovr", sample_weight=w), abs=1e-12
        )


def test_binary_bootstrap_is_seeded():
    y, score = binary_data(7, 500)

    first = bs.binary_bootstrap(y, score, 0.5, n_resamples=200, seed=3)
    again = bs.binary_bootstrap(y, score, 0.5, n_resamples=200, seed=3)
    other = bs.binary_bootstrap(y, score, 0.5, n_resamples=200, seed=4)

    for name in ("roc_auc", "pr_auc", "precision", "recall", "f1"):
        assert first[name].shape == (200,)
        np.testing.assert_array_equal(first[name], again[name])
        assert not np.array_equal(first[name], other[name])


def test_chunking_bounds_memory_and_covers_every_resample(monkeypatch):
    monkeypatch.setattr(bs, "CHUNK_BYTES", 1_000_000)
    y, score = binary_data(8, 2000)

    sizes = list(bs.chunk_sizes(1000, y.size))
    samples = bs.binary_bootstrap(y, score, 0.5, n_resamples=1000, seed=0)

    assert len(sizes) > 1
    assert sum(sizes) == 1000
    assert max(sizes) * y.size * 8 * bs._ARRAYS_PER_CHUNK <= bs.CHUNK_BYTES
    assert samples["roc_auc"].shape == (1000,)
    assert np.isfinite(samples["roc_auc"]).all()


def test_bootstrap_spread_of_auc_matches_delong_standard_error():
    y, score = binary_data(9, 3000)

    samples = bs.binary_bootstrap(y, score, 0.5, n_resamples=2000, seed=0)

    positive = y == 1
    v10, v01 = _placements(score, positive)
    delong_se = np.sqrt(v10.var(ddof=1) / positive.sum() + v01.var(ddof=1) / (~positive).sum())
    assert samples["roc_auc"].std() == pytest.approx(delong_se, rel=0.1)


def test_percentile_interval():
    samples = np.arange(1001, dtype=float)

    assert bs.percentile_interval(samples, 0.95) == pytest.approx((25.0, 975.0))
    assert bs.percentile_interval(samples, 0.5) == pytest.approx((250.0, 750.0))


def test_paired_test_gives_scikit_learn_aucs_and_p_one_for_the_same_model():
    y, proba = multiclass_data(10, 400, 3)

    auc_a, auc_b, p = paired_bootstrap_test(y, proba, proba.copy(), n_resamples=300)

    assert auc_a == auc_b == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"), abs=1e-12)
    assert p == 1.0


def test_paired_test_finds_a_clearly_better_model():
    y, good = multiclass_data(11, 1500, 4)
    noise = np.random.default_rng(12).dirichlet(np.ones(4), size=y.size)
    worse = 0.4 * good + 0.6 * noise

    auc_good, auc_worse, p = paired_bootstrap_test(y, good, worse, n_resamples=1000, seed=1)

    assert auc_good > auc_worse
    assert p < 0.01
    assert paired_bootstrap_test(y, good, worse, n_resamples=1000, seed=1) == (auc_good, auc_worse, p)


def test_paired_test_does_not_flag_equally_good_models():
    rng = np.random.default_rng(13)
    y = rng.integers(0, 3, 1500)
    probas = []
    for _ in range(2):
        logits = rng.normal(size=(y.size, 3))
        logits[np.arange(y.size), y] += 1.0
        proba = np.exp(logits)
        probas.append(proba / proba.sum(axis=1, keepdims=True))

    _, _, p = paired_bootstrap_test(y, *probas, n_resamples=1000)

    assert p > 0.05


def test_paired_test_rejects_mismatched_models():
    y, proba = multiclass_data(14, 100, 3)
    _, four_classes = multiclass_data(14, 100, 4)

    with pytest.raises(InvalidOption, match="no rows"):
        paired_bootstrap_test(y, proba, four_classes)
    with pytest.raises(InvalidOption, match="must match"):
        paired_bootstrap_test(y, proba, proba[:-1])
