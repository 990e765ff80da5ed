"""Thresholdout: the mechanism's bookkeeping, and the pure-noise experiment of Dwork et al. (Science 2015)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from workers.errors import InvalidOption
from workers.evaluation.thresholdout import (
    ScoredQuery,
    Thresholdout,
    budget_spent_after,
    thresholdout_scores,
)

# The paper's experiment ran n = d = 10,000 and k up to 500. The overfitting it shows depends on k/n and
# d/n, so a fifth of the size with the same ratios (n = d = 2,000, k up to 100) reproduces it: the plain
# holdout reports ~0.63 at the largest k, as the paper's ">63%" does, in ~0.3 s.
N_ROWS = 2000
N_FEATURES = 2000
KS = (10, 25, 50, 100)


@dataclass(frozen=True)
class Accuracies:
    """One classifier's accuracy: as measured on each sample, and as the analyst was told on the holdout."""

    train: float
    holdout: float
    fresh: float
    reported: float | None


def noise_sample(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N_ROWS rows of N_FEATURES N(0, 1) variables and labels +-1 drawn independently of them."""
    x = rng.standard_normal((N_ROWS, N_FEATURES), dtype=np.float32)
    y = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=N_ROWS)
    return x, y


def accuracy(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    return float(np.mean(np.sign(x @ weights) == y))


def pure_noise_experiment(seed: int) -> tuple[dict[int, Accuracies], dict[int, Accuracies]]:
    """The analyst of the paper (its section 3 of arXiv:1506.02629), once with the plain holdout, once with
    Thresholdout. Returns accuracies per k for each.

    The analyst computes each variable's correlation with the label on training and asks the holdout for
    the same; it keeps the variables whose two correlations both exceed 1/sqrt(n) in size and agree in
    sign, takes the k with the largest training correlation, and builds sign(sum_j sign(corr_j) x_j).
    """
    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_hold, y_hold), (x_fresh, y_fresh) = (noise_sample(rng) for _ in range(3))
    corr_train = x_train.T @ y_train / N_ROWS
    corr_hold = x_hold.T @ y_hold / N_ROWS
    cutoff = 1.0 / math.sqrt(N_ROWS)

    def classifier(holdout_answers: np.ndarray, k: int) -> np.ndarray:
        # NaN (no answer) fails every comparison, so an unanswered variable is never confirmed.
        confirmed = (
            (np.abs(corr_train) > cutoff)
            & (np.abs(holdout_answers) > cutoff)
            & (np.sign(corr_train) == np.sign(holdout_answers))
        )
        ranked = np.argsort(-np.where(confirmed, np.abs(corr_train), 0.0), kind="stable")
        top = ranked[: min(k, int(confirmed.sum()))]
        weights = np.zeros(N_FEATURES, dtype=np.float32)
        weights[top] = np.sign(corr_train[top])
        return weights

    def measure(weights: np.ndarray) -> tuple[float, float, float]:
        return (
            accuracy(x_train, y_train, weights),
            accuracy(x_hold, y_hold, weights),
            accuracy(x_fresh, y_fresh, weights),
        )

    plain = {}
    for k in KS:
        train, hold, fresh = measure(classifier(corr_hold, k))
        plain[k] = Accuracies(train, hold, fresh, reported=hold)

    # Correlations and accuracies go through two mechanisms, each with the paper's parameters on its own
    # scale: a correlation of pure noise has sd 1/sqrt(n), so it gets the paper's T = 4/sqrt(n) and
    # sigma = 1/sqrt(n) (0.04 and 0.01 at its n = 10,000); accuracies get 0.04 and 0.01 as they are. The
    # authors' own script also checks the two kinds of query separately. One mechanism for both answers
    # the 2,000 screening queries with a noisy threshold that has *survived* them - biased upward, since a
    # high draw is rarely crossed and so rarely redrawn - and then waves the overfitted classifier's
    # training accuracy through at the largest k in 28 of 100 seeds (with two, in 3 of 100).
    # The screening budget is the number of queries: the paper's run put no cap on it either.
    screen_seed, report_seed = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
    screen = Thresholdout(threshold=4 * cutoff, sigma=cutoff, budget=N_FEATURES, seed=screen_seed)
    answers = np.array(
        [screen.query(float(t), float(h)) for t, h in zip(corr_train, corr_hold, strict=True)], dtype=float
    )
    report = Thresholdout(threshold=0.04, sigma=0.01, budget=len(KS), seed=report_seed)
    reusable = {}
    for k in KS:
        train, hold, fresh = measure(classifier(answers, k))
        reusable[k] = Accuracies(train, hold, fresh, reported=report.query(train, hold))
    return plain, reusable


def test_plain_holdout_overfits_pure_noise_and_thresholdout_does_not():
    # One run, where the paper averages 100: over seeds 0-99 these assertions all hold in 89. The misses
    # are single draws - the answer's Laplace noise (beyond 0.04 in e^-4 ~ 2% of draws), the noisy
    # threshold letting the training accuracy through (~3%), a fresh sample 0.03 from 0.5 (~3%). Seed 0
    # is the first one tried. Over the 100 seeds the means at k = 100 are: plain holdout 0.632, fresh
    # 0.502; Thresholdout reported 0.515, its classifier's holdout 0.509 (a small leak), fresh 0.501.
    plain, reusable = pure_noise_experiment(seed=0)
    k = KS[-1]
    # Labels are independent of the data: no classifier is truly better than a coin.
    assert abs(plain[k].fresh - 0.5) < 0.03
    assert abs(reusable[k].fresh - 0.5) < 0.03
    # The plain holdout was used to pick the variables, so it now agrees with the overfitted training score.
    assert plain[k].reported > 0.58
    assert plain[k].reported - plain[k].fresh > 0.08
    assert [plain[kk].reported for kk in KS] == sorted(plain[kk].reported for kk in KS)  # climbs with k
    # Thresholdout's answer stays near chance although its classifier fits training even better.
    assert reusable[k].train > plain[k].train
    assert reusable[k].reported is not None
    assert abs(reusable[k].reported - 0.5) < 0.04
    assert plain[k].reported - reusable[k].reported > 0.08


def test_answers_the_training_value_when_train_and_holdout_agree():
    mechanism = Thresholdout(threshold=0.04, sigma=0.001, budget=5, seed=3)
    answers = [mechanism.query(0.80 + i / 1000, 0.80 + i / 1000 + 0.005) for i in range(50)]
    assert answers == [0.80 + i / 1000 for i in range(50)]
    assert mechanism.budget_left == 5 and not mechanism.exhausted


def test_answers_a_noisy_holdout_value_when_training_overfits():
    mechanism = Thresholdout(threshold=0.04, sigma=0.001, budget=5, seed=3)
    answer = mechanism.query(1.0, 0.85)
    assert answer != 0.85 and abs(answer - 0.85) < 0.02
    assert mechanism.budget_left == 4


def test_same_seed_same_answers_and_other_seed_other_noise():
    pairs = [(0.99, 0.80), (0.90, 0.89), (0.97, 0.84), (0.95, 0.70)] * 3

    def run(seed: int) -> list[ScoredQuery]:
        return thresholdout_scores(pairs, threshold=0.04, sigma=0.01, budget=100, seed=seed)

    assert run(7) == run(7)
    assert [q.value for q in run(7)] != [q.value for q in run(8)]


def test_budget_is_spent_by_holdout_answers_only_then_nothing_is_answered():
    overfit, agree = (1.0, 0.7), (0.9, 0.9)
    pairs = [agree, overfit, agree, overfit, overfit, agree, overfit]
    scored = thresholdout_scores(pairs, threshold=0.04, sigma=0.001, budget=3, seed=0)

    assert [q.used_holdout for q in scored] == [False, True, False, True, True, False, False]
    assert [q.budget_left for q in scored] == [3, 2, 2, 1, 0, 0, 0]
    assert [q.answered for q in scored] == [True] * 5 + [False] * 2
    assert scored[5].value is None and scored[6].value is None
    assert budget_spent_after(scored) == 4
    assert scored[1].to_json() == {
        "index": 1,
        "value": scored[1].value,
        "shown": scored[1].value,
        "used_holdout": True,
        "budget_left": 2,
    }


def test_exhausted_mechanism_answers_none_even_when_train_and_holdout_agree():
    mechanism = Thresholdout(threshold=0.04, sigma=0.001, budget=1, seed=0)
    assert mechanism.query(1.0, 0.5) is not None
    assert mechanism.exhausted
    # Saying "they agree" would itself be a look at the holdout.
    assert mechanism.query(0.9, 0.9) is None
    assert mechanism.n_queries == 2


def test_budget_never_spent_reports_no_cut_off():
    scored = thresholdout_scores([(0.9, 0.9)] * 4, threshold=0.04, sigma=0.001, budget=1, seed=0)
    assert budget_spent_after(scored) is None


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"threshold": -0.1}, "threshold"),
        ({"threshold": math.nan}, "threshold"),
        ({"sigma": 0.0}, "sigma"),
        ({"budget": 0}, "budget"),
        ({"budget": 2.5}, "budget"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_options_are_refused_with_the_option_named(options, word):
    with pytest.raises(InvalidOption, match=word):
        Thresholdout(**options)


def test_a_missing_score_cannot_be_queried():
    with pytest.raises(InvalidOption, match="holdout_value must be finite"):
        Thresholdout().query(0.9, math.nan)


def test_an_answer_past_one_is_shown_within_0_and_1_and_kept_as_drawn_for_use():
    # A holdout AUC of 0.999 plus Laplace noise: over seeds some draws pass 1 (the issue saw 1.008).
    answers = [
        thresholdout_scores([(0.5, 0.999)], threshold=0.0, sigma=0.01, budget=1, seed=seed)[0]
        for seed in range(40)
    ]
    past_one = [q for q in answers if q.value is not None and q.value > 1.0]
    assert past_one, "some draws must pass 1 for this test to mean anything"
    assert all(q.shown == 1.0 for q in past_one)
    assert all(0.0 <= q.shown <= 1.0 for q in answers if q.shown is not None)
