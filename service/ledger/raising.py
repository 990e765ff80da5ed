"""Raising a split's test budget: an audited act with a recorded reason, never a silent edit."""

from __future__ import annotations

from sqlalchemy import Engine, select

from service.database.engine import session_scope
from service.models import BudgetChange, Split
from workers.errors import InvalidOption


def raise_budget(engine: Engine, *, split: Split, new_limit: int, reason: str, who: str) -> Split:
    """Raise a split's test budget to `new_limit`; the change, its reason and who asked are recorded."""
    if not reason or not reason.strip():
        raise InvalidOption("Raising a test budget needs a reason; it is recorded in the audit log.")
    with session_scope(engine) as session:
        # Locked like a look, so a raise and a look at the same split see each other's effect.
        row = session.scalar(select(Split).where(Split.id == split.id).with_for_update())
        assert row is not None  # the door found it; splits are never deleted
        if new_limit <= row.test_budget:
            raise InvalidOption(
                f"The budget is {row.test_budget}; it can only be raised (looks already spent cannot be undone)."
            )
        session.add(
            BudgetChange(
                split_id=row.id,
                old_limit=row.test_budget,
                new_limit=new_limit,
                reason=reason.strip(),
                who=who,
            )
        )
        row.test_budget = new_limit
        session.flush()
        session.expunge(row)
    return row
