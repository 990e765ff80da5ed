"""How the stage runner persists its work, reports progress and spends the test budget.

The runner is handed an `AssessmentStore`; the service implements it over Postgres and the artifact
store, tests and the stand-alone CLI use `InMemoryStore`. Stage outputs are picklable: the typed records of
`workers.assessment.outputs` (the data stages and the report: dicts). A store hands back what it was given;
the runner upgrades the dicts that older code saved for the typed stages (`outputs.upgrade`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workers.errors import TestBudgetExhausted


@dataclass(frozen=True)
class TestLook:
    """One look at the test split: which frozen models were evaluated, their metrics, and why."""

    __test__ = False  # not a pytest test class
    key: str  # idempotency key: a retried job presents the same key and must not spend the budget twice
    split_id: str
    models: list[str]
    metrics: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class FanOutPoint:
    """One model to train as a job of its own (a learning-curve point): the family, its complete
    hyperparameters, the share of the training split it sees and the seed of that subsample."""

    family: str  # a workers.experiments.families name
    hyperparameters: dict[str, Any]  # complete (defaults filled): what the assessment's own model used
    train_fraction: float
    seed: int
    device: str = "auto"


class PointsPending(Exception):
    """Some fan-out points are still running as jobs of their own: the stage ends this job without saving,
    and the assessment resumes (at this stage) once they have all finished."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"{done} of {total} fan-out points have finished; the stage resumes when all have.")
        self.done = done
        self.total = total


class AssessmentStore(Protocol):
    def load_stage(self, stage: str) -> Any | None:
        """The saved output of a finished stage, or None if it has not finished."""

    def save_stage(self, stage: str, output: Any) -> None:
        """Persist a finished stage's output (atomically: all or nothing)."""

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        """Report progress within a stage (0..1), with optional details such as the epoch and loss."""

    def should_stop(self) -> bool:
        """True when the assessment was cancelled; checked at batch boundaries."""

    def record_test_look(self, look: TestLook, limit: int) -> dict[str, int]:
        """Record a look at the test split and return the budget `{limit, used}` after it.

        Idempotent on `look.key`. Raises `TestBudgetExhausted` when `used` would exceed `limit`."""

    def fan_out(
        self,
        stage: str,
        points: Sequence[FanOutPoint],
        run_inline: Callable[[FanOutPoint], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Each point's ExperimentResult.to_json(), in order. A store may run them inline (InMemoryStore
        calls run_inline) or as jobs, raising PointsPending until every one has finished."""

    def history(self) -> list[dict[str, Any]]:
        """Past assessments of OTHER datasets visible to this one (the same team): each
        {"dataset_name": str, "rows": int, "n_features": int, "categorical_share": float,
         "best_baseline": str, "best_baseline_roc_auc": float, "deep_roc_auc": float | None}."""


@dataclass
class InMemoryStore:
    """A store that keeps everything in this process: for the stand-alone CLI and for tests."""

    stages: dict[str, Any] = field(default_factory=dict)
    looks: dict[str, TestLook] = field(default_factory=dict)
    events: list[tuple[str, float, dict[str, Any]]] = field(default_factory=list)
    cancelled: bool = False
    past: list[dict[str, Any]] = field(default_factory=list)  # what `history()` returns

    def load_stage(self, stage: str) -> Any | None:
        return self.stages.get(stage)

    def save_stage(self, stage: str, output: Any) -> None:
        self.stages[stage] = output

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        self.events.append((stage, fraction, detail or {}))

    def should_stop(self) -> bool:
        return self.cancelled

    def record_test_look(self, look: TestLook, limit: int) -> dict[str, int]:
        if look.key not in self.looks:
            spent = sum(1 for earlier in self.looks.values() if earlier.split_id == look.split_id)
            if spent >= limit:
                raise TestBudgetExhausted.for_split(used=spent, limit=limit)
            self.looks[look.key] = look
        used = sum(1 for earlier in self.looks.values() if earlier.split_id == look.split_id)
        return {"limit": limit, "used": used}

    def fan_out(
        self,
        stage: str,
        points: Sequence[FanOutPoint],
        run_inline: Callable[[FanOutPoint], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        return [run_inline(point) for point in points]

    def history(self) -> list[dict[str, Any]]:
        return list(self.past)
