"""Raising a split's test budget from the dashboard: a new limit and a reason, audited as the API's raise
is (the same use case writes the same `budget_change` row). The project page shows the form beside each
budget; a refusal comes back on this page, beside its field, the form refilled."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import or_, select
from sqlmodel import Session, col

from service.dashboard.deps import CheckedForm, SignedInDep, _owned, _uuid
from service.dashboard.forms import number, text
from service.dashboard.templating import render
from service.ledger.budget import budget_of
from service.ledger.cap import MAX_TEST_BUDGET
from service.ledger.pools import pool_id_of
from service.ledger.raising import raise_budget
from service.models import BudgetChange, Dataset, Project, Split
from service.web.deps import EngineDep, SessionDep, who
from workers.errors import ReadinessError

router = APIRouter()

FIELDS = ("new_limit", "reason")


def owned_split(split_id: Annotated[str, Path()], session: SessionDep, signed_in: SignedInDep) -> Split:
    query = (
        select(Split)
        .join(Dataset, col(Split.dataset_id) == col(Dataset.id))
        .join(Project, col(Dataset.project_id) == col(Project.id))
        .where(col(Split.id) == _uuid(split_id, "split"))
    )
    return _owned(session, signed_in, query, split_id, "split")


SplitPage = Annotated[Split, Depends(owned_split)]


def budget_changes(session: Session, project_id: uuid.UUID) -> list[Any]:
    """Every raise of a budget one of the project's datasets draws on, newest first: the audit trail."""
    return list(
        session.execute(
            select(BudgetChange, col(Dataset.filename), col(Split.seed))
            .join(Split, col(BudgetChange.split_id) == col(Split.id))
            .join(Dataset, col(Split.dataset_id) == col(Dataset.id))
            .where(col(Dataset.project_id) == project_id)
            .order_by(col(BudgetChange.created_at).desc())
        ).all()
    )


def _page(
    request: Request,
    session: Session,
    split: Split,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    dataset = session.get(Dataset, split.dataset_id)
    assert dataset is not None  # a foreign key holds it
    pooled = or_(
        col(BudgetChange.split_id) == split.id,
        col(BudgetChange.pool_id) == pool_id_of(session, split.dataset_id),
    )
    changes = session.scalars(
        select(BudgetChange).where(pooled).order_by(col(BudgetChange.created_at).desc())
    ).all()
    return render(
        request,
        "budget.html",
        {
            "title": f"Test budget of {dataset.filename}",
            "project": session.get(Project, dataset.project_id),
            "dataset": dataset,
            "split": split,
            "budget": budget_of(session, split),
            "changes": changes,
            "values": values,
            "errors": errors,
            "max_budget": MAX_TEST_BUDGET,
        },
        status_code=status,
    )


@router.get("/splits/{split_id}/budget")
def budget_page(request: Request, split: SplitPage, session: SessionDep) -> Response:
    """The budget a split draws on, its raises, and the form to raise it."""
    return _page(request, session, split, values={}, errors={})


@router.post("/splits/{split_id}/budget")
def raise_page(
    request: Request,
    split: SplitPage,
    form: CheckedForm,
    signed_in: SignedInDep,
    session: SessionDep,
    engine: EngineDep,
) -> Response:
    """Raise the budget (every split of the dataset's pool shows it); back to the project's budget."""
    values = {name: text(form, name) for name in FIELDS}
    errors: dict[str, str] = {}
    new_limit = number(values["new_limit"], errors, "new_limit")
    if new_limit is None and not errors:
        errors["new_limit"] = "Give the new number of looks allowed in all."
    elif new_limit is not None and not 1 <= new_limit <= MAX_TEST_BUDGET:
        errors["new_limit"] = f"must be from 1 to {MAX_TEST_BUDGET}; got {new_limit}"
    if not errors:
        assert new_limit is not None
        try:
            raise_budget(
                engine, split=split, new_limit=new_limit, reason=values["reason"], who=who(signed_in.key)
            )
        except ReadinessError as error:  # no reason, or not a raise: nothing recorded
            errors["reason" if not values["reason"].strip() else "new_limit"] = error.detail
        else:
            dataset = session.get(Dataset, split.dataset_id)
            assert dataset is not None
            return RedirectResponse(f"/projects/{dataset.project_id}?saved=budget#budget", status_code=303)
    return _page(request, session, split, values=values, errors=errors, status=400)
