"""A split's test budget: how many looks it allows, how many are spent, and the refusal when none is left.

Every door reads and checks the budget here — the API's split pages, the dashboard's project page, a
submission, a batch plan, a promotion and the job's own look — so the rule, and its one message
(`TestBudgetExhausted.for_split`), live in one place. A split is made once per (dataset, seed) and
takes its project's budget then; each seed's split has a budget of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from service.models import Split, TestLook
from service.settings import Settings
from workers.errors import TestBudgetExhausted


@dataclass(frozen=True)
class Budget:
    """A split's test budget: `used` looks of `limit`."""

    limit: int
    used: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def spent(self) -> bool:
        return self.used >= self.limit

    def as_dict(self) -> dict[str, int]:
        """What a report and a promoted experiment record of the budget after their look."""
        return {"limit": self.limit, "used": self.used}


def project_budget(asked: int | None, settings: Settings) -> int:
    """The looks each split of a new project allows: what its creator asked for, else the settings' default.
    Every split of the project takes this budget when it is made (`looks.record_split`)."""
    return asked or settings.default_test_budget


def looks_used(session: Any, split_id: uuid.UUID) -> int:
    return int(
        session.scalar(select(func.count()).select_from(TestLook).where(TestLook.split_id == split_id))
    )


def budget_of(session: Any, split: Split) -> Budget:
    return Budget(limit=split.test_budget, used=looks_used(session, split.id))


def budgets_of(session: Any, splits: Sequence[Split]) -> list[Budget]:
    """The budgets of many splits, in their order, counted in one query (a project page lists them all)."""
    if not splits:
        return []
    counts = dict(
        session.execute(
            select(TestLook.split_id, func.count())
            .where(TestLook.split_id.in_([split.id for split in splits]))
            .group_by(TestLook.split_id)
        ).all()
    )
    return [Budget(limit=split.test_budget, used=int(counts.get(split.id, 0))) for split in splits]


def split_for(session: Any, dataset_id: uuid.UUID, seed: int) -> Split | None:
    """The split of (dataset, seed), or None while no job has made it yet."""
    return session.scalar(select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed))


def refuse_if_spent(split: Split, budget: Budget) -> None:
    if budget.spent:
        raise TestBudgetExhausted.for_split(
            used=budget.used, limit=budget.limit, seed=split.seed, split_id=split.id
        )


def check_look_left(session: Any, split: Split | None) -> None:
    """Refuse work that would end in a look at a spent split now, before anything is written or run. A
    split not made yet has its whole budget left. (The look itself is checked again under a lock.)"""
    if split is not None:
        refuse_if_spent(split, budget_of(session, split))


def check_assessment_can_look(session: Any, dataset_id: uuid.UUID, seed: int) -> None:
    """An assessment ends in one look at the split of (dataset, seed): refuse it at submission if none is
    left, whichever door submits it."""
    check_look_left(session, split_for(session, dataset_id, seed))


def planned_budget(session: Any, dataset_id: uuid.UUID | None, seed: int, *, project_budget: int) -> Budget:
    """The budget a planned assessment would spend from: its split's if the split exists, else the whole
    `project_budget` the split will take when its first job makes it (`dataset_id` None: not stored yet)."""
    split = split_for(session, dataset_id, seed) if dataset_id is not None else None
    if split is None:
        return Budget(limit=project_budget, used=0)
    return budget_of(session, split)
