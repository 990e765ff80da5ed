"""Batches: the team's batch submissions, and one batch's items with their progress and records."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from service.batches import batch_status
from service.dashboard.deps import SignedInDep, _uuid
from service.dashboard.errors import PageNotFound
from service.dashboard.pagination import Pagination
from service.dashboard.templating import render
from service.models import Batch, BatchItem, Dataset
from service.web.deps import SessionDep, release

router = APIRouter()

BATCHES_PER_PAGE = 25
REFRESH_SECONDS = 5
RECORD_PAGES = {"project": "/projects/{}", "assessment": "/assessments/{}", "grid": "/grids/{}"}


def owned_batch(batch_id: Annotated[str, Path()], session: SessionDep, who: SignedInDep) -> Batch:
    batch = session.scalar(
        select(Batch).where(Batch.id == _uuid(batch_id, "batch"), Batch.team_id == who.team_id)
    )
    release(session)
    if batch is None:
        raise PageNotFound(f"There is no batch {batch_id!r} in your team.")
    return batch


BatchPage = Annotated[Batch, Depends(owned_batch)]


@router.get("/batches")
def batches(request: Request, who: SignedInDep, session: SessionDep) -> Response:
    """The team's batches, newest first, with how many items each holds."""
    items = select(func.count()).where(BatchItem.batch_id == Batch.id).scalar_subquery()
    query = select(Batch, items.label("items")).where(Batch.team_id == who.team_id)
    total = session.scalar(select(func.count()).where(Batch.team_id == who.team_id)) or 0
    pages = Pagination.of(request.query_params, per_page=BATCHES_PER_PAGE, total=total, path="/batches")
    rows = session.execute(
        query.order_by(Batch.created_at.desc(), Batch.id).offset(pages.offset).limit(pages.per_page)
    ).all()
    statuses = {batch.id: batch_status(session, batch).status for batch, _ in rows}  # a Cancel per live one
    return render(
        request,
        "batches.html",
        {"title": "Batches", "nav": "batches", "rows": rows, "pages": pages, "statuses": statuses},
    )


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch: BatchPage, session: SessionDep) -> Response:
    """One batch: its status and each item's progress, with a link to the record it made."""
    status = batch_status(session, batch)
    datasets = [i.target_id for i in status.items if i.kind == "dataset" and i.target_id is not None]
    dataset_projects: dict[uuid.UUID, uuid.UUID] = dict(
        session.execute(select(Dataset.id, Dataset.project_id).where(Dataset.id.in_(datasets))).all()
        if datasets
        else []
    )
    links = {}
    for item in status.items:
        if item.target_id is None:
            continue
        if item.kind in RECORD_PAGES:
            links[item.position] = RECORD_PAGES[item.kind].format(item.target_id)
        elif item.target_id in dataset_projects:
            links[item.position] = f"/projects/{dataset_projects[item.target_id]}#datasets"
    return render(
        request,
        "batch.html",
        {
            "title": batch.name or f"Batch {str(batch.id)[:8]}",
            "nav": "batches",
            "status": status,
            "links": links,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
