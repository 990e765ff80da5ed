"""The test-budget ledger: the split of a dataset and every look at its test rows.

A split row is made once per (dataset, seed) and never changes; each look at its test rows is an
append-only ledger row, keyed so that a retried job cannot spend the budget twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from service.ledger.budget import Budget, budget_of, refuse_if_spent
from service.models import Dataset, Project, Split, TestLook
from service.models.base import utcnow
from workers.errors import DataError


def record_split(
    session: Any, dataset_id: uuid.UUID, *, seed: int, split_hash: str, sizes: dict[str, Any]
) -> Split:
    """The split row of (dataset, seed): made once by whichever job first splits the data, never changed."""
    session.execute(
        insert(Split)
        .values(
            id=uuid.uuid4(),
            dataset_id=dataset_id,
            seed=seed,
            split_hash=split_hash,
            sizes=sizes,
            test_budget=select(Project.test_budget)
            .join(Dataset, Dataset.project_id == Project.id)
            .where(Dataset.id == dataset_id)
            .scalar_subquery(),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dataset_id", "seed"])
    )
    existing = session.scalar(select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed))
    if existing.split_hash != split_hash:
        raise DataError(
            f"The split of this dataset with seed {seed} came out differently than when it was first "
            "made; splits are immutable. Was the stored dataset changed?"
        )
    return existing


def spend_look(
    session: Any,
    split: Split,
    *,
    key: str,
    who: str,
    reason: str,
    assessment_id: uuid.UUID | None = None,
    models: list[str] | None = None,
    metrics: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Append a look to the ledger of `split` and return the budget after it. A key already in the ledger (a
    retried job, a second promotion) spends nothing.

    The split's row is locked (SELECT … FOR UPDATE, held until the caller's transaction ends) before the
    looks are counted, so looks that race cannot overspend; its budget is read fresh under that lock, so a
    raise that just committed counts."""
    split = session.scalar(
        select(Split).where(Split.id == split.id).with_for_update().execution_options(populate_existing=True)
    )
    already = session.scalar(select(TestLook.id).where(TestLook.key == key))
    budget = budget_of(session, split)
    if already is None:
        refuse_if_spent(split, budget)
        session.add(
            TestLook(
                split_id=split.id,
                key=key,
                who=who,
                assessment_id=assessment_id,
                models=models,
                metrics=metrics,
                reason=reason,
            )
        )
        session.flush()
        budget = Budget(limit=budget.limit, used=budget.used + 1)
    return budget.as_dict()
