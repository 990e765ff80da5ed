"""A test budget: how many looks the rows of a dataset allow, how many are spent or reserved, and the refusal
when none is left.

Every door reads and checks the budget here — the API's split pages, the dashboard's pages, a submission, a
batch plan, a promotion and the job's own look — so the rule, and its wording, live in one place. The budget
is its dataset's pool's (`service.ledger.pools`): every split of the dataset, and of the datasets whose rows
it repeats, draws on it. An assessment queued, running or waiting that has not looked yet holds a look in
reserve: a submission is refused when the looks spent and reserved leave none, so no assessment trains only
to be refused at its test look.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from service.ledger.pools import lock_pool, pool_id_of, shared_with
from service.models import Assessment, AssessmentStatus, Dataset, Split, TestLook
from service.models.ledger import BudgetPool
from service.settings import Settings
from workers.errors import TestBudgetExhausted

ACTIVE = (AssessmentStatus.queued, AssessmentStatus.running, AssessmentStatus.waiting)


@dataclass(frozen=True)
class Budget:
    """A test budget: `used` looks of `limit`, and `reserved` more held by assessments that have not looked."""

    limit: int
    used: int
    reserved: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used - self.reserved, 0)

    @property
    def spent(self) -> bool:
        return self.used + self.reserved >= self.limit

    def as_dict(self) -> dict[str, int]:
        """What a report and a promoted experiment record of the budget after their look."""
        return {"limit": self.limit, "used": self.used}


def project_budget(asked: int | None, settings: Settings) -> int:
    """The looks each dataset of a new project allows: what its creator asked for, else the settings' default.
    A dataset's pool takes this budget when it is made (`pools.join_pool`)."""
    return asked or settings.default_test_budget


def looks_used(session: Any, pool_id: uuid.UUID) -> int:
    """The looks at the test splits of every dataset in the pool."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(TestLook)
            .join(Split, Split.id == TestLook.split_id)
            .join(Dataset, Dataset.id == Split.dataset_id)
            .where(Dataset.budget_pool_id == pool_id)
        )
    )


def looks_reserved(session: Any, pool_id: uuid.UUID) -> int:
    """The assessments of the pool's datasets that are queued, running or waiting and have not looked yet:
    each will spend one look at its end."""
    looked = select(TestLook.id).where(TestLook.assessment_id == Assessment.id).exists()
    return int(
        session.scalar(
            select(func.count())
            .select_from(Assessment)
            .join(Dataset, Dataset.id == Assessment.dataset_id)
            .where(and_(Dataset.budget_pool_id == pool_id, Assessment.status.in_(ACTIVE), ~looked))
        )
    )


def pool_budget(session: Any, pool: BudgetPool, *, reserved: bool = True) -> Budget:
    return Budget(
        limit=pool.test_budget,
        used=looks_used(session, pool.id),
        reserved=looks_reserved(session, pool.id) if reserved else 0,
    )


def budget_of(session: Any, split: Split) -> Budget:
    """The budget the split draws on: its dataset's pool's, with the looks reserved by assessments in flight."""
    pool = session.get(BudgetPool, pool_id_of(session, split.dataset_id))
    return pool_budget(session, pool)


def budgets_of(session: Any, splits: Sequence[Split]) -> list[Budget]:
    """The budgets of many splits, in their order (a project page lists them all; splits of a pool share one)."""
    by_pool: dict[uuid.UUID, Budget] = {}
    found = []
    for split in splits:
        pool_id = pool_id_of(session, split.dataset_id)
        if pool_id not in by_pool:
            by_pool[pool_id] = pool_budget(session, session.get(BudgetPool, pool_id))
        found.append(by_pool[pool_id])
    return found


def split_for(session: Any, dataset_id: uuid.UUID, seed: int) -> Split | None:
    """The split of (dataset, seed), or None while no job has made it yet."""
    return session.scalar(select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed))


def any_split(session: Any, pool_id: uuid.UUID) -> Split | None:
    """The pool's first split: the address to raise its budget through."""
    return session.scalar(
        select(Split)
        .join(Dataset, Dataset.id == Split.dataset_id)
        .where(Dataset.budget_pool_id == pool_id)
        .order_by(Split.created_at, Split.id)
        .limit(1)
    )


def refusal(
    session: Any, pool_id: uuid.UUID, budget: Budget, split: Split | None, seed: int | None
) -> TestBudgetExhausted:
    """The one wording of a spent budget (`TestBudgetExhausted.for_split`), or — when assessments in flight
    hold the looks left — what they hold and what to do; then who else shares the budget, when others do."""
    address = split if split is not None else any_split(session, pool_id)
    raise_at = address.id if address is not None else None
    if not budget.reserved:
        words = [
            TestBudgetExhausted.for_split(
                used=budget.used,
                limit=budget.limit,
                seed=seed if split is not None else None,
                split_id=raise_at,
            ).detail
        ]
    else:
        held = "look is" if budget.reserved == 1 else "looks are"
        how = (
            f"raise the budget with a recorded reason (POST /api/v1/splits/{raise_at}/budget)"
            if raise_at is not None
            else "raise the budget once their split is made"
        )
        words = [
            f"The test split of this dataset has been looked at {budget.used} of {budget.limit} times and "
            f"{budget.reserved} more {held} reserved by assessments queued or running, so no look is left for "
            f"another: wait for them to finish, or cancel one; compare models on validation instead, or {how}."
        ]
    if (shared := shared_with(session, pool_id)) is not None:
        words.append(shared)
    elif split is None and seed is not None and budget.used:
        words.append(
            f"Seed {seed} would make a new split, but every seed of a dataset draws on this one budget: its test "
            "rows were partly seen, in the earlier test split or in training."
        )
    return TestBudgetExhausted(" ".join(words))


def refuse_if_spent(
    session: Any, pool_id: uuid.UUID, budget: Budget, split: Split | None, seed: int | None
) -> None:
    if budget.spent:
        raise refusal(session, pool_id, budget, split, seed)


def check_look_left(session: Any, split: Split | None) -> None:
    """Refuse work that would end in a look at a spent budget now, before anything is written or run (looks
    reserved by assessments in flight count as spent). A split not made yet: nothing to check here. (The look
    itself is checked again under the pool's lock.)"""
    if split is not None:
        pool_id = pool_id_of(session, split.dataset_id)
        budget = pool_budget(session, session.get(BudgetPool, pool_id))
        refuse_if_spent(session, pool_id, budget, split, split.seed)


def check_assessment_can_look(session: Any, dataset_id: uuid.UUID, seed: int) -> None:
    """An assessment ends in one look at its dataset's budget: refuse it at submission when the looks spent
    and reserved leave none, whichever door submits it. The pool stays locked to the end of the caller's
    transaction, which records the assessment: two submissions racing for the last look see each other, and
    exactly one is accepted."""
    pool = lock_pool(session, dataset_id)
    refuse_if_spent(session, pool.id, pool_budget(session, pool), split_for(session, dataset_id, seed), seed)


def planned_budget(session: Any, dataset_id: uuid.UUID | None, *, project_budget: int) -> Budget:
    """The budget a planned assessment would spend from: its dataset's pool's (with the looks reserved) if the
    dataset is stored, else the whole `project_budget` a new dataset's pool will take (`dataset_id` None)."""
    if dataset_id is None:
        return Budget(limit=project_budget, used=0)
    return pool_budget(session, session.get(BudgetPool, pool_id_of(session, dataset_id)))
