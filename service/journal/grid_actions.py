"""What a person does to a grid once it exists: cancel the points still waiting, and promote one point
(the leaderboard's best unless one is named) to its look at the test split. Both doors (API, dashboard)
call these, so the rules live once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import procrastinate
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.journal.grids import RankBy, best_point, grid_points
from service.journal.promotion import NotPromotable, look_at_test
from service.models import Experiment, Grid, RunStatus
from service.models.base import utcnow
from workers.errors import AssessmentCancelled, NotFound

CANCELLED_DETAIL = "Cancelled with its grid before it started."


class NotAGridPoint(NotFound):
    """The experiment named for promotion is not one of the grid's points."""


@dataclass(frozen=True)
class GridCancelled:
    """What a cancel did: points stopped before they started, and points left to finish."""

    cancelled: int
    still_running: int


def cancel_grid(engine: Engine, job_app: procrastinate.App, grid: Grid) -> GridCancelled:
    """Cancel the grid's own queued points (their jobs are withdrawn from the queue). A point already
    running finishes: experiments have no stop signal between batches, and its result is kept. Points
    reused from earlier runs belong to those runs and are left alone."""
    cancelled = running = 0
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Experiment)
            .where(
                col(Experiment.grid_id) == grid.id,
                col(Experiment.status).in_([RunStatus.queued, RunStatus.running]),
            )
            .order_by(col(Experiment.created_at))
            .with_for_update()
        ).all()
        for row in rows:
            # Only a job still waiting in the queue can be withdrawn; one a worker took is running (or about
            # to be), and marking it cancelled would be a lie the worker then overwrites.
            if (
                row.status == RunStatus.queued
                and row.job_id is not None
                and job_app.job_manager.cancel_job_by_id(row.job_id, abort=True)
            ):
                row.status = RunStatus.cancelled
                row.finished_at = utcnow()
                row.error_code = AssessmentCancelled.code
                row.error_detail = CANCELLED_DETAIL
                cancelled += 1
            else:
                running += 1
    return GridCancelled(cancelled=cancelled, still_running=running)


def promote_grid(
    engine: Engine,
    session: Session,
    artifacts: ArtifactStore,
    grid: Grid,
    *,
    reason: str,
    who: str,
    experiment_id: uuid.UUID | None = None,
    rank_by: RankBy = "ladder",
) -> Experiment:
    """Spend one look of the split's budget on the named point, or the leaderboard's best (rank 1).
    Raises `NotPromotable` (409) before any point has a score, `NotAGridPoint` (404) for another
    experiment, and `TestBudgetExhausted` (409) when no look is left."""
    members = {experiment.id for _, experiment in grid_points(session, grid.id)}
    chosen = experiment_id or best_point(session, grid, rank_by=rank_by)
    if chosen is None:
        raise NotPromotable(
            f"Grid {grid.id} has no finished point with a score yet; wait for its points to run."
        )
    if chosen not in members:
        raise NotAGridPoint(f"Experiment {chosen} is not a point of grid {grid.id}")
    return look_at_test(engine, artifacts, chosen, reason=reason, who=who, grid_id=grid.id)
