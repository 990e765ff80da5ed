"""Splits of a dataset, their test budget, the append-only ledger of looks, and audited budget raises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import or_, select
from sqlmodel import Session

from service.api.schemas.splits import (
    Budget,
    BudgetChangePublic,
    BudgetRaise,
    SplitPublic,
    SplitsPublic,
    TestLookPublic,
    TestLooksPublic,
)
from service.ledger.budget import budget_of
from service.ledger.pools import pool_id_of
from service.ledger.raising import raise_budget
from service.models import BudgetChange, Split, TestLook
from service.web.deps import CurrentKey, DatasetDep, EngineDep, SessionDep, SplitDep, who
from service.web.errors import ErrorPublic

router = APIRouter(tags=["splits"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "No such split in your team."}
}


def split_public(session: Session, split: Split) -> SplitPublic:
    # Raises of the budget this split draws on, through any split of its pool (older raises name the split).
    pooled = or_(BudgetChange.split_id == split.id, BudgetChange.pool_id == pool_id_of(session, split.dataset_id))
    changes = session.scalars(select(BudgetChange).where(pooled).order_by(BudgetChange.created_at)).all()
    return SplitPublic(
        id=split.id,
        dataset_id=split.dataset_id,
        seed=split.seed,
        split_key=split.split_key,
        split_hash=split.split_hash,
        sizes=split.sizes,
        budget=Budget.model_validate(budget_of(session, split), from_attributes=True),
        budget_changes=[BudgetChangePublic.model_validate(change) for change in changes],
        created_at=split.created_at,
    )


@router.get("/datasets/{dataset_id}/splits", response_model=SplitsPublic)
def list_splits(dataset: DatasetDep, session: SessionDep) -> SplitsPublic:
    """The dataset's splits (one per seed an assessment has used), oldest first."""
    rows = session.scalars(
        select(Split).where(Split.dataset_id == dataset.id).order_by(Split.created_at, Split.seed)
    ).all()
    return SplitsPublic(data=[split_public(session, row) for row in rows], count=len(rows))


@router.get("/splits/{split_id}", response_model=SplitPublic, responses=NOT_FOUND)
def get_split(split: SplitDep, session: SessionDep) -> SplitPublic:
    """A split with its sizes, the test budget it draws on {limit, used, remaining} and its audit trail."""
    return split_public(session, split)


@router.get("/splits/{split_id}/ledger", response_model=TestLooksPublic, responses=NOT_FOUND)
def get_ledger(split: SplitDep, session: SessionDep) -> TestLooksPublic:
    """Every look at the split's test part, oldest first: who, when, which models, the metrics, why."""
    rows = session.scalars(
        select(TestLook).where(TestLook.split_id == split.id).order_by(TestLook.created_at, TestLook.id)
    ).all()
    return TestLooksPublic(data=[TestLookPublic.model_validate(row) for row in rows], count=len(rows))


@router.post(
    "/splits/{split_id}/budget",
    response_model=SplitPublic,
    responses={**NOT_FOUND, 422: {"model": ErrorPublic, "description": "No reason, or not a raise."}},
)
def raise_split_budget(
    split: SplitDep, body: BudgetRaise, session: SessionDep, engine: EngineDep, key: CurrentKey
) -> SplitPublic:
    """Raise the test budget the split draws on (its dataset's, shared by every seed); audited with a reason."""
    raised = raise_budget(engine, split=split, new_limit=body.new_limit, reason=body.reason, who=who(key))
    return split_public(session, raised)
