"""Raising a test budget: an audited act with a recorded reason, never a silent edit. A split's budget is
its dataset's pool's, so a raise through any split raises it for every split drawing on it."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from service.database.engine import session_scope
from service.ledger.pools import lock_pool
from service.models import BudgetChange, Dataset, Split
from workers.errors import InvalidOption


def raise_budget(engine: Engine, *, split: Split, new_limit: int, reason: str, who: str) -> Split:
    """Raise the budget `split` draws on (its pool's) to `new_limit`; the change, its reason and who asked
    are recorded, and every split of the pool shows the new budget."""
    if not reason or not reason.strip():
        raise InvalidOption("Raising a test budget needs a reason; it is recorded in the audit log.")
    with session_scope(engine) as session:
        # Locked like a look, so a raise and a look at the same budget see each other's effect.
        pool = lock_pool(session, split.dataset_id)
        if new_limit <= pool.test_budget:
            raise InvalidOption(
                f"The budget is {pool.test_budget}; it can only be raised (looks already spent cannot be undone)."
            )
        session.add(
            BudgetChange(
                split_id=split.id,
                pool_id=pool.id,
                old_limit=pool.test_budget,
                new_limit=new_limit,
                reason=reason.strip(),
                who=who,
            )
        )
        pool.test_budget = new_limit
        pooled = select(Dataset.id).where(Dataset.budget_pool_id == pool.id)
        session.execute(update(Split).where(Split.dataset_id.in_(pooled)).values(test_budget=new_limit))
        row = session.scalar(
            select(Split).where(Split.id == split.id).execution_options(populate_existing=True)
        )
        assert row is not None  # the door found it; splits are never deleted
        session.expunge(row)
    return row
