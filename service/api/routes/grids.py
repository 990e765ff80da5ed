"""Hyperparameter grids: submit one (points that already ran are reused), follow its leaderboard, and
promote the best point to a budgeted look at the test split."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from service.api.schemas.experiments import ExperimentPublic
from service.api.schemas.grids import (
    GridDetail,
    GridPromote,
    GridPublic,
    GridsPublic,
    Leaderboard,
    PromotionPublic,
    TestLookCreate,
)
from service.journal.grid_actions import cancel_grid, promote_grid
from service.journal.grids import (
    GridRequest,
    grid_progress,
    leaderboard,
    submit_grid,
)
from service.journal.promotion import look_at_test
from service.journal.requests import GridCreate
from service.models import Grid, Project
from service.web.deps import (
    ArtifactsDep,
    CurrentKey,
    EngineDep,
    ExperimentDep,
    GridDep,
    JobAppDep,
    PageDep,
    SessionDep,
    team_dataset,
    who,
)
from service.web.errors import ErrorPublic
from workers.split import DEFAULT_SEED

router = APIRouter(tags=["grids"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "No such grid in your team."}
}
LOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorPublic,
        "description": "The split's test budget is spent (test_budget_exhausted), or the experiment has no "
        "model to look at (not_promotable).",
    }
}


@router.post(
    "/grids",
    response_model=GridPublic,
    status_code=202,
    responses={
        404: {"model": ErrorPublic, "description": "No such dataset in your team."},
        422: {
            "model": ErrorPublic,
            "description": "A bad grid: unknown key, empty list, bad range (invalid_option).",
        },
    },
)
def create_grid(
    body: GridCreate,
    session: SessionDep,
    key: CurrentKey,
    engine: EngineDep,
    job_app: JobAppDep,
    request: Request,
    response: Response,
) -> GridPublic:
    """Expand a grid into experiments on one split; points whose fingerprint already ran are reused, the
    others are queued one job each (deep models on the `gpu` queue)."""
    dataset, project = team_dataset(session, key, body.dataset_id)
    grid = submit_grid(
        engine,
        job_app,
        project=project,
        dataset=dataset,
        request=GridRequest(
            model_family=body.model_family,
            grid=body.grid,
            seed=DEFAULT_SEED if body.seed is None else body.seed,
            split_seed=DEFAULT_SEED if body.split_seed is None else body.split_seed,
            keep_columns=tuple(body.keep_columns),
            split={"split": body.split, "time_column": body.time_column, "group_column": body.group_column},
            device=body.device,
            name=body.name,
            hypothesis=body.hypothesis,
            tags=tuple(body.tags),
        ),
        who=who(key),
    )
    response.headers["Location"] = request.app.url_path_for("get_grid", grid_id=str(grid.id))
    return GridPublic.from_row(grid, grid_progress(session, grid))


@router.get("/grids", response_model=GridsPublic)
def list_grids(
    session: SessionDep, key: CurrentKey, page: PageDep, project_id: uuid.UUID | None = None
) -> GridsPublic:
    """The team's grids, newest first."""
    query = select(Grid).join(Project, Grid.project_id == Project.id).where(Project.team_id == key.team_id)
    if project_id is not None:
        query = query.where(Grid.project_id == project_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Grid.created_at.desc(), Grid.id).offset(page.offset).limit(page.limit)
    )
    return GridsPublic(data=[GridPublic.from_row(g, grid_progress(session, g)) for g in rows], count=count)


@router.get("/grids/{grid_id}", response_model=GridDetail, responses=NOT_FOUND)
def get_grid(
    grid: GridDep, session: SessionDep, rank_by: Literal["ladder", "validation"] = "ladder"
) -> GridDetail:
    """The grid, its progress, its leaderboard (validation only, through the Ladder unless
    `rank_by=validation`) and, once promoted, the promoted point with its test result."""
    board = Leaderboard(**leaderboard(session, grid, rank_by=rank_by))
    return GridDetail(
        **GridPublic.from_row(grid, grid_progress(session, grid)).model_dump(), leaderboard=board
    )


@router.post(
    "/grids/{grid_id}/promote",
    response_model=PromotionPublic,
    responses={**NOT_FOUND, **LOOK_ERRORS},
)
def promote(
    grid: GridDep,
    body: GridPromote,
    session: SessionDep,
    key: CurrentKey,
    engine: EngineDep,
    artifacts: ArtifactsDep,
) -> PromotionPublic:
    """Look at the test split once with the best point (or the one named): spends one look of the budget."""
    experiment = promote_grid(
        engine,
        session,
        artifacts,
        grid,
        reason=body.reason,
        who=who(key),
        experiment_id=body.experiment_id,
        rank_by=body.rank_by,
    )
    return PromotionPublic(grid_id=grid.id, experiment=ExperimentPublic.from_row(experiment))


@router.post("/grids/{grid_id}/cancel", response_model=GridPublic, responses=NOT_FOUND)
def cancel_grid_points(
    grid: GridDep, session: SessionDep, engine: EngineDep, job_app: JobAppDep
) -> GridPublic:
    """Cancel the grid's points still waiting in the queue; a point already running finishes and is kept."""
    cancel_grid(engine, job_app, grid)
    return GridPublic.from_row(grid, grid_progress(session, grid))


@router.post(
    "/experiments/{experiment_id}/test-look",
    response_model=PromotionPublic,
    responses={404: {"model": ErrorPublic, "description": "No such experiment in your team."}, **LOOK_ERRORS},
)
def test_look(
    experiment: ExperimentDep,
    body: TestLookCreate,
    key: CurrentKey,
    engine: EngineDep,
    artifacts: ArtifactsDep,
) -> PromotionPublic:
    """Look at the test split once with this experiment's model: spends one look of the split's budget."""
    looked = look_at_test(engine, artifacts, experiment.id, reason=body.reason, who=who(key))
    return PromotionPublic(grid_id=None, experiment=ExperimentPublic.from_row(looked))
