"""The Ladder: a leaderboard over one holdout that many points may ask without rewarding luck.

Blum & Hardt, "The Ladder: A Reliable Leaderboard for Machine Learning Competitions", ICML 2015
(arXiv:1502.04585), Algorithm 1, written for a score where higher is better (ROC-AUC):

    R_0 = -inf
    for each submission t with holdout score s_t:
        if s_t > R_{t-1} + η:   R_t = [s_t]_η   (rounded to the nearest multiple of η; a new best)
        else:                   R_t = R_{t-1}    (the leaderboard does not move)
        release R_t

A submission moves the leaderboard only when it beats the released best by a step η, and what is
released is rounded to the step. Noise smaller than a step therefore cannot crown a point: a grid of k
points that are truly equal shows the first of them, not the luckiest. The paper proves that the released
best stays close to the best point's true score however adaptively the submissions were chosen, with an
error that grows only logarithmically in their number.

Why the Ladder ranks grids here and not Thresholdout fed with the training score: Thresholdout answers
with its "training" sample whenever that sample and the holdout agree, so that sample must be one the model
was not fitted on. A model's own training ROC-AUC is not (C=100 scores 1.000 there), which made the
least-regularised point win. The two fixes were out-of-fold scores on the training split as Thresholdout's
sample, or the Ladder. The Ladder was chosen because
- it costs no fit: out-of-fold scores need k more fits of every point (3 deep models more per deep point);
- it needs nothing but the validation score every point already stores, so reused points, points run
  before this change and points run outside a grid are ranked alike;
- out-of-fold scores of early-stopped models (XGBoost, the deep model) are themselves optimistic, as each
  fold stops on the rows it is scored on; the Ladder asks only the untouched validation split.
What it gives up: Thresholdout also protects every point's score, the Ladder only the best one; the
leaderboard's other rows are shown in plain validation order (see `service.journal.grids`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from workers.errors import InvalidOption

# ROC-AUC units: a later point must beat the leader by 0.01 to take its place — the gain the verdict's
# default margin calls meaningful. With a few hundred validation rows an AUC's own noise is ~0.02, so
# smaller steps would let luck pick the winner; much larger ones would hide real gains.
DEFAULT_STEP = 0.01


@dataclass(frozen=True)
class LadderAnswer:
    """The leaderboard after one submission, in submission order.

    ``value``: the plain holdout score; ``score``: the released best after this submission, rounded to the
    step and within [0, 1]; ``new_best``: this submission moved the leaderboard; ``leader``: the index of
    the submission holding the best after it.
    """

    index: int
    value: float
    score: float
    new_best: bool
    leader: int


def round_to_step(value: float, step: float) -> float:
    """`value` rounded to the nearest multiple of `step`, kept within [0, 1] (a score shown is a ROC-AUC)."""
    rounded = round(round(value / step) * step, 12)  # round(…, 12): 0.82, not 0.8200000000000001
    return min(1.0, max(0.0, rounded))


def ladder(values: Sequence[float], *, step: float = DEFAULT_STEP) -> list[LadderAnswer]:
    """Run the Ladder (Blum & Hardt 2015, Algorithm 1) over holdout scores in submission order.

    Raises `InvalidOption` for a step that is not in (0, 1) or a score that is not a finite number.
    """
    if not (isinstance(step, int | float) and math.isfinite(step) and 0 < step < 1):
        raise InvalidOption(f"The Ladder's step must be a number between 0 and 1, got {step!r}.")
    answers: list[LadderAnswer] = []
    best, leader = -math.inf, -1
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidOption(f"A Ladder score must be a finite number, got {value!r} at {index}.")
        new_best = value > best + step
        if new_best:
            best, leader = round_to_step(float(value), step), index
        answers.append(LadderAnswer(index, float(value), best, new_best, leader))
    return answers
