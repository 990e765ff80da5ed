"""The payoff in money: each model's decision threshold chosen on validation to maximise expected value,
and on the test look its expected value per 1,000 decisions with a bootstrap interval.

The money model is per decision: a true positive is worth `value_tp`, a false positive costs `cost_fp`,
a false negative costs `cost_fn`, and a true negative is worth nothing (the reference: nothing happens).
The expected value of a decision rule on n rows is (value_tp·TP − cost_fp·FP − cost_fn·FN) / n.

Since FN = P − TP, that is (value_tp + cost_fn)·(TP − r·FP)/n − cost_fn·P/n with r = cost_fp / (value_tp +
cost_fn): up to a positive scale and a constant no model can change, every choice of threshold, and every
comparison of two models, depends on the money only through r, the **cost ratio** — what a false alarm
costs against what a missed positive loses (its lost value plus its cost). The break-even cost ratio is the
r at which the deep model's test EV crosses the best baseline's, each at its own validation-optimal
threshold for that r.

The threshold is scikit-learn's `TunedThresholdClassifierCV` idea on our fixed split: every distinct
validation score is a candidate (plus "act on no row"), the EV of all candidates comes from one cumulative
sum over the scores sorted once, and the best is kept — the highest threshold among equals (fewest rows
acted on).

The bootstrap resamples test rows. A model's gain on a row takes one of four values (TP, FP, FN, TN), so a
row's gains across all models fall into at most 4^k outcome patterns; resampling n rows with replacement is
then exactly a multinomial draw of n over the patterns' shares. One `Generator.multinomial` call gives every
resample of every model at once, in O(resamples × patterns) rather than O(resamples × rows), and the
deep-minus-baseline difference is paired by construction (the same resampled rows for both).

Pure numpy; inputs are validated by the caller (`workers.evaluation.metrics` checks labels and scores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PER = 1000  # decisions the expected value is quoted per
CONFIDENCE = 0.95
# The cost ratios scanned for the break-even point: 10^-3 … 10^3, log-spaced.
RATIO_GRID = np.logspace(-3.0, 3.0, 241)
CHUNK_CELLS = 2_000_000  # float64 cells of the threshold search's working matrix (16 MB)


@dataclass(frozen=True)
class Money:
    """What one decision is worth, in the team's currency: a true positive's value, a false positive's and
    a false negative's cost (all ≥ 0; a true negative is the zero point)."""

    value_tp: float
    cost_fp: float
    cost_fn: float

    @property
    def cost_ratio(self) -> float:
        """r = cost_fp / (value_tp + cost_fn): a false alarm against a missed positive; inf when a missed
        positive loses nothing."""
        lost = self.value_tp + self.cost_fn
        return math.inf if lost == 0.0 else self.cost_fp / lost

    def gains(self) -> np.ndarray:
        """A row's gain by outcome code (`outcomes`): TN 0, FP −cost_fp, FN −cost_fn, TP value_tp."""
        return np.array([0.0, -self.cost_fp, -self.cost_fn, self.value_tp])


@dataclass(frozen=True)
class EvThreshold:
    """A validation-optimal threshold (act when score >= threshold) and the EV per decision it reached
    there. `acts_on_none`: the best rule on validation was to act on no row."""

    threshold: float
    validation_ev: float
    acts_on_none: bool


def _sorted_counts(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct scores in descending order, and the true and false positives of "act when score >= s" at
    each of them (cumulative over the rows sorted once)."""
    order = np.argsort(-score, kind="stable")
    s, positive = score[order], y[order] == 1
    tp, fp = np.cumsum(positive), np.cumsum(~positive)
    # The last row of each run of equal scores: a threshold acts on the whole tie group or none of it.
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    return s[last], tp[last], fp[last]


def best_thresholds(y_val: np.ndarray, score_val: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    """For each cost ratio r, the validation threshold maximising TP − r·FP (the EV up to scale and a
    constant), vectorised over the ratios and the candidates; `inf` where acting on no row is best.

    Args:
        y_val: shape (n,), 0/1. score_val: shape (n,). ratios: shape (m,), ≥ 0 (inf allowed).
    Returns:
        shape (m,) thresholds.
    """
    values, tp, fp = _sorted_counts(y_val, score_val)
    # Candidate 0 acts on no row (TP = FP = 0); candidate j+1 acts on rows scoring >= values[j].
    tp0, fp0 = np.r_[0, tp].astype(float), np.r_[0, fp].astype(float)
    best = np.empty(ratios.size, dtype=np.int64)
    # Ratios in chunks, so the (ratios × candidates) matrix stays near CHUNK_CELLS at any validation size.
    step = max(1, CHUNK_CELLS // tp0.size)
    for start in range(0, ratios.size, step):
        chunk = ratios[start : start + step]
        finite = np.where(np.isinf(chunk), 0.0, chunk)
        objective = tp0[None, :] - finite[:, None] * fp0[None, :]
        objective[np.isinf(chunk), 1:] = -np.inf  # a false alarm with nothing to gain: act on none
        # argmax keeps the first maximum: the highest threshold among equals, the fewest rows acted on.
        best[start : start + step] = np.argmax(objective, axis=1)
    thresholds = np.r_[np.inf, values]
    return thresholds[best]


def ev_threshold(y_val: np.ndarray, score_val: np.ndarray, money: Money) -> EvThreshold:
    """The threshold that maximises the expected value on validation (see the module's docstring)."""
    threshold = float(best_thresholds(y_val, score_val, np.array([money.cost_ratio]))[0])
    acted = score_val >= threshold
    ev = float(np.mean(money.gains()[outcomes(y_val, acted)]))
    if math.isinf(threshold):
        # JSON has no infinity: a threshold just above every validation score acts on the same (no) rows.
        return EvThreshold(float(np.nextafter(np.max(score_val), np.inf)), ev, acts_on_none=True)
    return EvThreshold(threshold, ev, acts_on_none=False)


def outcomes(y: np.ndarray, acted: np.ndarray) -> np.ndarray:
    """Each row's outcome code: 0 TN, 1 FP, 2 FN, 3 TP (index into `Money.gains`)."""
    return 2 * (np.asarray(y) == 1).astype(np.int64) + np.asarray(acted).astype(np.int64)


@dataclass(frozen=True)
class EvSample:
    """Bootstrap expected values per 1,000 decisions: `point` (k,) on the test rows as they are, and
    `resamples` (B, k) on B row resamples, one column per model (same resampled rows for every model)."""

    point: np.ndarray
    resamples: np.ndarray

    def interval(self, column: int | np.ndarray) -> tuple[float, float, float]:
        """(value, ci_low, ci_high) of one column, or of a combination of columns given as weights."""
        weights = np.zeros(self.point.size)
        if isinstance(column, np.ndarray):
            weights = column.astype(float)
        else:
            weights[column] = 1.0
        point = float(self.point @ weights)
        samples = self.resamples @ weights
        alpha = 1.0 - CONFIDENCE
        low, high = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0])
        return point, float(low), float(high)


def bootstrap_ev(codes: np.ndarray, money: Money, *, n_resamples: int, seed: int) -> EvSample:
    """Expected value per 1,000 decisions of k decision rules on the same n test rows, with row resamples.

    Args:
        codes: shape (n, k), outcome codes (`outcomes`) of each model on each test row.
    """
    n, k = codes.shape
    # Each row's pattern of outcomes across the k models, as one base-4 number.
    pattern = codes @ (4 ** np.arange(k, dtype=np.int64))
    kinds, counts = np.unique(pattern, return_counts=True)
    digits = (kinds[:, None] // (4 ** np.arange(k, dtype=np.int64))[None, :]) % 4  # (patterns, k)
    gains = money.gains()[digits]  # (patterns, k)
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(n, counts / n, size=n_resamples)  # (B, patterns): rows drawn per pattern
    point = PER * (counts @ gains) / n
    resamples = PER * (drawn @ gains) / n
    return EvSample(point=point, resamples=resamples)


def break_even_ratio(
    y_val: np.ndarray,
    val_base: np.ndarray,
    val_deep: np.ndarray,
    y_test: np.ndarray,
    test_base: np.ndarray,
    test_deep: np.ndarray,
    team_ratio: float,
) -> tuple[float | None, str]:
    """The cost ratio at which the deep model's test EV crosses the baseline's, each model at its own
    validation-optimal threshold for that ratio, and on which side the deep model pays.

    Returns (ratio, pays) with `pays` one of "below" (the deep model pays at ratios below `ratio`),
    "above", "always" or "never" (on the whole grid 10^-3…10^3; then `ratio` is None). With several
    crossings, the one nearest the team's own ratio (on the log scale) is given.
    """
    ratios = RATIO_GRID
    advantage = _normalised_ev(y_val, val_deep, y_test, test_deep, ratios) - _normalised_ev(
        y_val, val_base, y_test, test_base, ratios
    )
    pays = advantage > 0
    if pays.all():
        return None, "always"
    if not pays.any():
        return None, "never"
    flips = np.flatnonzero(pays[1:] != pays[:-1])
    target = math.log10(team_ratio) if 0.0 < team_ratio < math.inf else 0.0
    # The crossing's ratio: the geometric middle of the grid step where the sign flips.
    middles = (np.log10(ratios[flips]) + np.log10(ratios[flips + 1])) / 2.0
    nearest = int(np.argmin(np.abs(middles - target)))
    side = "below" if pays[flips[nearest]] else "above"
    return float(10.0 ** middles[nearest]), side


def _normalised_ev(
    y_val: np.ndarray, score_val: np.ndarray, y_test: np.ndarray, score_test: np.ndarray, ratios: np.ndarray
) -> np.ndarray:
    """(TP − r·FP) / n on test at each ratio's validation-optimal threshold: the EV without its scale and
    its model-free constant, so two models compare at every ratio at once."""
    thresholds = best_thresholds(y_val, score_val, ratios)
    ordered = np.sort(score_test)
    positives = np.sort(score_test[y_test == 1])
    acted = ordered.size - np.searchsorted(ordered, thresholds, side="left")
    tp = positives.size - np.searchsorted(positives, thresholds, side="left")
    fp = acted - tp
    return (tp - ratios * fp) / score_test.size
