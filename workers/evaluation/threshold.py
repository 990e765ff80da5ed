"""Choosing the decision threshold on the validation split (it is then applied, unchanged, to test)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workers.errors import InvalidOption
from workers.evaluation.metrics import binary_inputs


@dataclass(frozen=True)
class ThresholdChoice:
    """A decision threshold (predict positive when ``score >= threshold``) and how it was chosen.

    ``rule`` is the rule that set the threshold ("max_f1", "precision>=0.9", "recall>=0.8");
    ``achieved`` holds precision, recall and F1 on validation at that threshold; ``met`` is False when
    the requested target could not be reached and the threshold fell back to maximising F1.
    """

    threshold: float
    rule: str
    achieved: dict[str, float]
    met: bool


def choose_threshold(
    y_val: np.ndarray,
    score_val: np.ndarray,
    *,
    target_precision: float | None = None,
    target_recall: float | None = None,
) -> ThresholdChoice:
    """Choose a threshold on validation data.

    Args:
        y_val: shape (n,), 0/1 (1 = positive).
        score_val: shape (n,), scores of the positive class; candidate thresholds are its distinct values.
        target_precision: choose the lowest threshold whose precision reaches it, i.e. the highest recall
            with that precision (among thresholds of equal recall, the one with the higher precision).
        target_recall: choose the highest threshold whose recall reaches it.

    Without a target, or when the target cannot be reached (then ``met`` is False), the threshold
    maximises F1 (the highest such threshold if several tie). At most one target may be given.
    """
    if target_precision is not None and target_recall is not None:
        raise InvalidOption("Give a target precision or a target recall, not both.")
    y, score = binary_inputs(y_val, score_val, name="score_val")
    curve = _Curve(y, score)

    if target_precision is not None:
        target = _target(target_precision, "target_precision")
        reaching = np.flatnonzero(curve.precision >= target)
        if reaching.size:
            # Recall never falls as the threshold falls; the first index with the top count of true
            # positives is the highest threshold giving it, which has the fewest false positives.
            best = reaching[curve.true_pos[reaching] == curve.true_pos[reaching].max()][0]
            return curve.choice(best, f"precision>={target:g}", met=True)
        return curve.choice(curve.max_f1(), "max_f1", met=False)

    if target_recall is not None:
        target = _target(target_recall, "target_recall")
        # Thresholds descend, so the first index reaching the target is the highest threshold.
        reaching = np.flatnonzero(curve.recall >= target)
        if reaching.size:
            return curve.choice(reaching[0], f"recall>={target:g}", met=True)
        return curve.choice(curve.max_f1(), "max_f1", met=False)

    return curve.choice(curve.max_f1(), "max_f1", met=True)


class _Curve:
    """Precision, recall and F1 at every distinct score, thresholds descending."""

    def __init__(self, y: np.ndarray, score: np.ndarray) -> None:
        order = np.argsort(-score, kind="stable")
        sorted_score, sorted_y = score[order], y[order]
        # A threshold predicts a whole tie group at once: keep the last row of each group.
        group_ends = np.r_[np.flatnonzero(np.diff(sorted_score)), sorted_score.size - 1]
        self.thresholds = sorted_score[group_ends]
        self.true_pos = np.cumsum(sorted_y)[group_ends]
        predicted = group_ends + 1
        n_pos = int(sorted_y.sum())
        self.precision = self.true_pos / predicted
        self.recall = self.true_pos / n_pos
        self.f1 = 2.0 * self.true_pos / (predicted + n_pos)

    def max_f1(self) -> int:
        return int(np.argmax(self.f1))  # first maximum = highest threshold among ties

    def choice(self, index: int, rule: str, *, met: bool) -> ThresholdChoice:
        achieved = {
            "precision": float(self.precision[index]),
            "recall": float(self.recall[index]),
            "f1": float(self.f1[index]),
        }
        return ThresholdChoice(threshold=float(self.thresholds[index]), rule=rule, achieved=achieved, met=met)


def _target(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value <= 1.0:
        raise InvalidOption(f"{name} must be a number in (0, 1], got {value!r}.")
    return float(value)
