"""The test-budget ledger: the split of a dataset and every look at its test rows.

A split row is made once per (dataset, seed) and never changes; each look at its test rows is an
append-only ledger row, keyed so that a retried job cannot spend the budget twice, and spent from the
budget of the dataset's pool (`service.ledger.pools`), which every seed of the dataset shares.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from service.ledger.budget import Budget, pool_budget, refuse_if_spent
from service.ledger.pools import lock_pool, pool_id_of, shared_with
from service.models import Split, TestLook
from service.models.base import utcnow
from service.models.ledger import BudgetPool
from workers.errors import DataError


def record_split(
    session: Any,
    dataset_id: uuid.UUID,
    *,
    seed: int,
    split_hash: str,
    sizes: dict[str, Any],
    split_key: str = "",
) -> Split:
    """The split row of (dataset, seed, split key): made once by whichever job first splits the data, never
    changed. `split_key` tells a time-ordered or group split from the random one of the same seed (""); every
    one of them draws on the dataset's pool. Its `test_budget` mirrors the pool's (a raise updates every split
    of the pool)."""
    pool_id = pool_id_of(session, dataset_id)
    session.execute(
        insert(Split)
        .values(
            id=uuid.uuid4(),
            dataset_id=dataset_id,
            seed=seed,
            split_key=split_key,
            split_hash=split_hash,
            sizes=sizes,
            test_budget=select(BudgetPool.test_budget).where(BudgetPool.id == pool_id).scalar_subquery(),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dataset_id", "seed", "split_key"])
    )
    existing = session.scalar(
        select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed, Split.split_key == split_key)
    )
    assert existing is not None, "inserted above, or by the transaction the insert waited for"
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
) -> dict[str, Any]:
    """Append a look to the ledger of `split` and return the budget after it (`{limit, used}`, and
    `shared_with` when other splits or datasets draw on the same budget). A key already in the ledger (a
    retried job, a second promotion) spends nothing.

    The pool's row is locked (SELECT … FOR NO KEY UPDATE, held until the caller's transaction ends) before
    the looks are counted, so looks that race cannot overspend; its budget is read fresh under that lock, so a
    raise that just committed counts. An assessment's look (`assessment_id`) was reserved when it was
    submitted, so only the looks spent bind it; any other look (a promotion) must also leave the looks
    reserved by assessments in flight."""
    pool = lock_pool(session, split.dataset_id)
    already = session.scalar(select(TestLook.id).where(TestLook.key == key))
    budget = pool_budget(session, pool, reserved=assessment_id is None)
    if already is None:
        refuse_if_spent(session, pool.id, budget, split, split.seed)
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
    after: dict[str, Any] = budget.as_dict()
    if (shared := shared_with(session, pool.id)) is not None:
        after["shared_with"] = shared
    return after
