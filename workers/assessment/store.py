"""How the stage runner persists its work, reports progress and spends the test budget.

The runner is handed an `AssessmentStore`; the service implements it over Postgres and the artifact
store, tests and the stand-alone CLI use `InMemoryStore`. Stage outputs are plain picklable objects.
"""

from __future__ import annotations

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


@dataclass
class InMemoryStore:
    """A store that keeps everything in this process: for the stand-alone CLI and for tests."""

    stages: dict[str, Any] = field(default_factory=dict)
    looks: dict[str, TestLook] = field(default_factory=dict)
    events: list[tuple[str, float, dict[str, Any]]] = field(default_factory=list)
    cancelled: bool = False

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
                raise TestBudgetExhausted(
                    f"The test split {look.split_id} has been looked at {spent} of {limit} times. "
                    "Select models on validation; raise the budget only with a recorded reason."
                )
            self.looks[look.key] = look
        used = sum(1 for earlier in self.looks.values() if earlier.split_id == look.split_id)
        return {"limit": limit, "used": used}
