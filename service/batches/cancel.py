"""Cancelling a batch: every item still running as a job is cancelled through its own use case (an
assessment as `request_cancel` does, a grid's waiting points as `cancel_grid` does). Projects and datasets
were made when the batch was accepted; they stay."""

from __future__ import annotations

from dataclasses import dataclass

import procrastinate
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from service.assessments.submit import request_cancel
from service.journal.grid_actions import cancel_grid
from service.models import Assessment, AssessmentStatus, Batch, BatchItem, Grid

RUNNING = (AssessmentStatus.queued, AssessmentStatus.running, AssessmentStatus.waiting)


@dataclass(frozen=True)
class BatchCancelled:
    assessments: (
        int  # assessments asked to stop (a queued one stops at once, a running one at its next batch)
    )
    grid_points: int  # grid points withdrawn before they started


def cancel_batch(
    engine: Engine, session: Session, job_app: procrastinate.App, batch: Batch, *, who: str | None = None
) -> BatchCancelled:
    """Cancel what of `batch` still runs; what has ended is left as it is. `who` is recorded on each
    assessment cancelled, as a cancel of its own would record it."""
    items = session.scalars(
        select(BatchItem).where(col(BatchItem.batch_id) == batch.id).order_by(col(BatchItem.position))
    ).all()
    targets = {
        kind: [i.target_id for i in items if i.kind == kind and i.target_id]
        for kind in ("assessment", "grid")
    }
    assessments = session.scalars(
        select(Assessment).where(
            col(Assessment.id).in_(targets["assessment"]), col(Assessment.status).in_(RUNNING)
        )
    ).all()
    grids = session.scalars(select(Grid).where(col(Grid.id).in_(targets["grid"]))).all()
    for assessment in assessments:
        request_cancel(engine, job_app, assessment, who=who)
    points = sum(cancel_grid(engine, job_app, grid).cancelled for grid in grids)
    return BatchCancelled(assessments=len(assessments), grid_points=points)
