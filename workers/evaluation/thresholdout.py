"""Thresholdout: a validation split that can be asked many times without being overfitted.

A hyperparameter grid scores every point on the same validation split and keeps the best. Each look is
harmless alone; together they let the choice fit the split's noise, so the winner's validation score
overstates what it will do on new data. Thresholdout (Dwork, Feldman, Hardt, Pitassi, Reingold & Roth,
"The reusable holdout: Preserving validity in adaptive data analysis", Science 349:636-638, 2015)
answers each query with the *training* value whenever training and holdout agree up to a noisy
threshold, and with a noisy holdout value only when they do not. The holdout then reveals little beyond
"this point overfits training", and the answers stay valid however the queries were chosen.

The algorithm, as in the paper (Laplace noise throughout; Lap(s) has scale s):

    T̂ = T + γ,  γ ~ Lap(2σ)
    for each query (train value t, holdout value h):
        if the budget is spent:          answer ⊥ (here: None)
        η ~ Lap(4σ)
        if |t - h| > T̂ + η:              answer h + ξ, ξ ~ Lap(σ); budget -= 1; redraw T̂ = T + γ'
        else:                            answer t

Parameters (values on the scale of the statistic, e.g. AUC or accuracy in [0, 1]):
    threshold T: how far training and holdout may differ before the holdout is consulted; the answer
        can be off by about T when they agree, so T trades accuracy of answers against protection.
    sigma σ: the noise scale; larger protects more and answers less precisely. The paper uses
        T = 4/sqrt(n) and σ = 1/sqrt(n) for a holdout of n rows (0.04 and 0.01 at n = 10,000).
    budget B: how many over-threshold answers the holdout may give; each one leaks a little about it.
    seed: the noise is drawn from ``numpy.random.default_rng(seed)``, so a run can be repeated exactly.

The "training" value must come from a sample the model was *not* fitted on (e.g. out-of-fold scores on
the training split): the mechanism answers with it whenever it agrees with the holdout, so a model's own
training score (ROC-AUC 1.000 for an overfitted model) would be handed back as its score and reward
overfitting. Grids therefore rank through the Ladder (`workers.evaluation.ladder`, which says why).

Answers are used as drawn (h + ξ, unclipped, so the noise stays unbiased); what is *shown* is
`ScoredQuery.shown`, clipped to [0, 1], since the Laplace noise can push a ROC-AUC of 0.998 past 1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from workers.errors import InvalidOption

DEFAULT_THRESHOLD = 0.04  # AUC/accuracy units; the paper's value
DEFAULT_SIGMA = 0.01  # AUC/accuracy units; the paper's value
DEFAULT_BUDGET = 20  # over-threshold answers; a grid of a few dozen points rarely needs more
DEFAULT_SEED = 0  # fixed so that the same grid on the same data gives the same leaderboard


@dataclass(frozen=True)
class ScoredQuery:
    """One answer of the mechanism, in query order.

    ``value`` is None when the budget was already spent (the paper's ⊥): the holdout gave no answer and
    the point must not be ranked on validation. ``used_holdout`` says the answer came from the holdout
    (and cost one unit of budget); ``budget_left`` is what remains after this query.
    """

    index: int
    value: float | None
    used_holdout: bool
    budget_left: int

    @property
    def answered(self) -> bool:
        return self.value is not None

    @property
    def shown(self) -> float | None:
        """The answer as a score is shown: clipped to [0, 1] (``value`` is kept as drawn, noise and all)."""
        return None if self.value is None else min(1.0, max(0.0, self.value))

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "value": self.value,
            "shown": self.shown,
            "used_holdout": self.used_holdout,
            "budget_left": self.budget_left,
        }


class Thresholdout:
    """The reusable holdout of Dwork et al. (2015); see the module docstring for the algorithm.

    Once ``budget`` over-threshold answers have been given, ``exhausted`` is True and every later query
    returns None. We neither raise nor fall back to the training value: deciding that training and
    holdout *agree* is itself a look at the holdout, so after the budget even the training value cannot
    be vouched for, and a silent fallback would read as "validated" when it was not. None lets a grid
    keep running and its leaderboard say after which point the holdout stopped answering.
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        sigma: float = DEFAULT_SIGMA,
        budget: int = DEFAULT_BUDGET,
        seed: int = DEFAULT_SEED,
    ) -> None:
        if not (_is_number(threshold) and math.isfinite(threshold) and threshold >= 0):
            raise InvalidOption(f"Thresholdout's threshold must be a finite number >= 0, got {threshold!r}.")
        if not (_is_number(sigma) and math.isfinite(sigma) and sigma > 0):
            # sigma = 0 would answer exactly whether |t - h| > T: the holdout would leak one clean bit a query.
            raise InvalidOption(
                f"Thresholdout's noise scale sigma must be a finite number > 0, got {sigma!r}."
            )
        if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 1:
            raise InvalidOption(f"Thresholdout's budget must be a whole number >= 1, got {budget!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise InvalidOption(f"Thresholdout's seed must be a whole number >= 0, got {seed!r}.")
        self.threshold = float(threshold)
        self.sigma = float(sigma)
        self.budget = int(budget)
        self.seed = int(seed)
        self.budget_left = self.budget
        self.n_queries = 0
        self._rng = np.random.default_rng(self.seed)
        self._noisy_threshold = self._draw_threshold()

    @property
    def exhausted(self) -> bool:
        """True once the holdout has given all of its over-threshold answers."""
        return self.budget_left < 1

    def query(self, train_value: float, holdout_value: float) -> float | None:
        """Answer one query: the training value, a noisy holdout value, or None once the budget is spent."""
        return self._answer(train_value, holdout_value)[0]

    def _answer(self, train_value: float, holdout_value: float) -> tuple[float | None, bool]:
        train, holdout = _finite(train_value, "train_value"), _finite(holdout_value, "holdout_value")
        self.n_queries += 1
        if self.exhausted:
            return None, False
        eta = self._rng.laplace(0.0, 4.0 * self.sigma)
        if abs(train - holdout) > self._noisy_threshold + eta:
            xi = self._rng.laplace(0.0, self.sigma)
            self.budget_left -= 1
            # A fresh threshold after every over-threshold answer, so that the answers do not add up to
            # an estimate of one fixed noisy threshold (the sparse-vector technique behind the guarantee).
            self._noisy_threshold = self._draw_threshold()
            return holdout + xi, True
        return train, False

    def _draw_threshold(self) -> float:
        return self.threshold + self._rng.laplace(0.0, 2.0 * self.sigma)


def thresholdout_scores(
    pairs: Iterable[tuple[float, float]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    sigma: float = DEFAULT_SIGMA,
    budget: int = DEFAULT_BUDGET,
    seed: int = DEFAULT_SEED,
) -> list[ScoredQuery]:
    """Score grid points through one Thresholdout, in the order the grid visited them.

    Args:
        pairs: ``(train_value, holdout_value)`` per grid point, e.g. training and validation ROC-AUC.

    Returns:
        One ``ScoredQuery`` per pair. The order matters: the mechanism is adaptive-safe for queries
        chosen after seeing earlier answers, and its budget is spent in this order.
    """
    mechanism = Thresholdout(threshold=threshold, sigma=sigma, budget=budget, seed=seed)
    scored = []
    for index, (train_value, holdout_value) in enumerate(pairs):
        value, used_holdout = mechanism._answer(train_value, holdout_value)
        scored.append(ScoredQuery(index, value, used_holdout, mechanism.budget_left))
    return scored


def budget_spent_after(scored: Iterable[ScoredQuery]) -> int | None:
    """Index of the last point answered before the budget ran out; None if every point was answered."""
    last_answered = None
    for query in scored:
        if not query.answered:
            return last_answered
        last_answered = query.index
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _finite(value: float, name: str) -> float:
    if not _is_number(value):
        raise InvalidOption(f"{name} must be a number, got {value!r}.")
    if not math.isfinite(value):
        raise InvalidOption(
            f"{name} must be finite, got {value!r}; a grid point without a score cannot be queried."
        )
    return float(value)
