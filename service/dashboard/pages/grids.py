"""Hyperparameter grids: the team's grids, and one grid's progress, its leaderboard — ranked by the Ladder
(Blum & Hardt 2015) or by the plain validation ROC-AUC — and the point it promoted with its test result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel import Session

from service.dashboard.deps import SignedInDep, _owned, _uuid
from service.dashboard.pagination import Pagination
from service.dashboard.templating import render
from service.journal.grids import grid_progress, leaderboard
from service.models import Experiment, Grid, Project, RunStatus, Split
from service.web.deps import SessionDep

router = APIRouter()

GRIDS_PER_PAGE = 25
REFRESH_SECONDS = 5  # while points run, the page reloads itself this often
RANKINGS = ("ladder", "validation")


def owned_grid(grid_id: Annotated[str, Path()], session: SessionDep, who: SignedInDep) -> Grid:
    query = select(Grid).join(Project, Grid.project_id == Project.id).where(Grid.id == _uuid(grid_id, "grid"))
    return _owned(session, who, query, grid_id, "grid")


GridPage = Annotated[Grid, Depends(owned_grid)]


@router.get("/grids")
def grids(request: Request, who: SignedInDep, session: SessionDep) -> Response:
    """The team's grids, newest first."""
    query = select(Grid, Project.name).join(Project, Grid.project_id == Project.id)
    query = query.where(Project.team_id == who.team_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = Pagination.of(request.query_params, per_page=GRIDS_PER_PAGE, total=total, path="/grids")
    rows = session.execute(
        query.order_by(Grid.created_at.desc(), Grid.id).offset(pages.offset).limit(pages.per_page)
    ).all()
    # Points still queued or running per grid shown: those rows get a Cancel button.
    shown = [grid.id for grid, _ in rows]
    waiting: dict[uuid.UUID, int] = dict(
        session.execute(
            select(Experiment.grid_id, func.count())
            .where(
                Experiment.grid_id.in_(shown), Experiment.status.in_([RunStatus.queued, RunStatus.running])
            )
            .group_by(Experiment.grid_id)
        ).all()
    )
    return render(
        request,
        "grids.html",
        {"title": "Grids", "nav": "grids", "rows": rows, "pages": pages, "waiting": waiting},
    )


@router.get("/grids/{grid_id}")
def grid_page(request: Request, grid: GridPage, session: SessionDep) -> Response:
    """One grid: how many points ran, its leaderboard with the plain and the Ladder score, and the promoted
    point's test look."""
    return grid_view(request, grid, session)


def grid_view(
    request: Request,
    grid: Grid,
    session: Session,
    *,
    promote: tuple[dict[str, str], dict[str, str]] = ({}, {}),
    status: int = 200,
) -> Response:
    """The grid page; `promote` refills the promotion form with its values and errors after a refusal."""
    rank_by = request.query_params.get("rank_by", "ladder")
    rank_by = rank_by if rank_by in RANKINGS else "ladder"
    progress = grid_progress(session, grid)
    done = sum(progress.get(state, 0) for state in ("succeeded", "failed", "cancelled"))
    board = leaderboard(session, grid, rank_by=rank_by)
    # The split the grid's points train on, once made: its budget is the one a promotion spends.
    split_id = session.scalar(
        select(Split.id).where(Split.dataset_id == grid.dataset_id, Split.seed == grid.split_seed)
    )
    return render(
        request,
        "grid.html",
        {
            "title": grid.name or f"Grid {str(grid.id)[:8]}",
            "nav": "grids",
            "grid": grid,
            "project": session.get(Project, grid.project_id),
            "progress": progress,
            "done": done,
            "running": done < grid.points,
            # Its own points still queued or running (reused ones belong to earlier runs): a Cancel button.
            "waiting": session.scalar(
                select(func.count()).where(
                    Experiment.grid_id == grid.id,
                    Experiment.status.in_([RunStatus.queued, RunStatus.running]),
                )
            ),
            "refresh_seconds": REFRESH_SECONDS,
            "board": board,
            "params": list(grid.spec),
            "split_id": split_id,
            "promote_values": promote[0],
            "promote_errors": promote[1],
        },
        status_code=status,
    )
