"""Making a checked batch real: every record and every job in one transaction.

The jobs are inserted on the transaction's own connection (Procrastinate's `connection=`), so they exist
exactly when the records do: a batch is committed whole, with its jobs, or not at all, and no worker can
start a job whose records are not committed yet.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import procrastinate
from procrastinate import SyncPsycopgConnector
from sqlalchemy import Engine
from sqlmodel import Session

from service.batches.files import BatchFiles
from service.batches.plan import BatchPlan, DatasetPlan, GridPlan, ProjectPlan
from service.database.engine import session_scope
from service.datasets.intake import record_dataset
from service.jobs.app import ASSESSMENT_TASK, EXPERIMENT_TASK
from service.journal.grids import add_grid
from service.ledger.budget import check_assessment_can_look
from service.models import Assessment, Batch, BatchItem, Experiment, Grid, Project

MAX_NAME_CHARS = 200  # batch.name


def create_batch(
    engine: Engine, job_app: procrastinate.App, plan: BatchPlan, *, files: BatchFiles, who: str
) -> Batch:
    """Record the batch, its projects, datasets, assessments and grids, and queue their jobs; on any failure
    nothing stays behind (the files this batch stored are removed again)."""
    try:
        for dataset in plan.datasets:
            if dataset.is_new and dataset.item is not None:
                dataset.row.stored_as, dataset.row.size_bytes = files.store(dataset.item.fields.file)
        with session_scope(engine) as session:
            batch = Batch(
                team_id=plan.team_id, name=plan.spec.name[:MAX_NAME_CHARS], spec=plan.spec.raw, created_by=who
            )
            session.add(batch)
            made: dict[int, uuid.UUID] = {}  # item position → the record it made
            jobs = _Jobs(session, job_app)
            for project in plan.projects:
                _add_project(session, project)
                if project.item is not None:
                    made[project.item.position] = project.row.id
            for dataset in plan.datasets:
                _add_dataset(session, dataset, files)
                if dataset.item is not None:
                    made[dataset.item.position] = dataset.row.id
            for assessment in plan.assessments:
                # Under the budget's lock, counting this batch's assessments already inserted: a batch racing
                # another door's submission for the last look cannot over-reserve (validation ran unlocked).
                check_assessment_can_look(session, assessment.dataset.row.id, assessment.config.seed)
                row = Assessment(
                    project_id=assessment.dataset.project.row.id,
                    dataset_id=assessment.dataset.row.id,
                    config=dataclasses.asdict(assessment.config),
                    queue=assessment.queue,
                    created_by=who,
                )
                session.add(row)
                session.flush()
                row.job_id = jobs.defer(
                    ASSESSMENT_TASK, assessment.queue, str(row.id), assessment_id=str(row.id)
                )
                made[assessment.item.position] = row.id
            for grid in plan.grids:
                made[grid.item.position] = _add_grid(session, grid, jobs, who).id
            for item in plan.spec.items:
                session.add(
                    BatchItem(
                        batch_id=batch.id,
                        position=item.position,
                        kind=item.kind,
                        label=item.label,
                        target_id=made[item.position],
                    )
                )
            session.flush()
            session.expunge(batch)
    except BaseException:
        files.forget(engine)
        raise
    return batch


class _Jobs:
    """Defers jobs on the session's connection, inside its transaction."""

    def __init__(self, session: Session, job_app: procrastinate.App) -> None:
        self.connection = session.connection().connection.driver_connection
        # A connector that is never opened: every job goes through `connection`, none through a pool.
        self.app = job_app.with_connector(SyncPsycopgConnector())

    def defer(self, task: str, queue: str, queueing_lock: str, **kwargs: Any) -> int:
        return (
            self.app.tasks[task]
            .configure(queue=queue, queueing_lock=queueing_lock, connection=self.connection)
            .defer(**kwargs)
        )


def _add_project(session: Session, project: ProjectPlan) -> None:
    if project.is_new:
        session.add(project.row)
        session.flush()
    elif project.changes:
        # The item's answers (or description, or budget) replace the project's, as a PATCH would.
        row = session.get(Project, project.row.id, with_for_update=True)
        assert row is not None, "the batch was checked against this project, and nothing deletes a project"
        for name, value in project.changes.items():
            setattr(row, name, value)
        session.flush()
        project.row = row


def _add_dataset(session: Session, dataset: DatasetPlan, files: BatchFiles) -> None:
    """The dataset row as every door records one (its parsed data was kept while the batch was checked)."""
    if not dataset.is_new or dataset.item is None:
        return
    name = dataset.item.fields.file
    row = record_dataset(
        session, files.artifacts, dataset.row, restore=lambda: files.restore(name), reuse=True
    )
    # Made meanwhile (or by an earlier item of this batch): one dataset, one budget.
    if row is not dataset.row:
        dataset.row, dataset.is_new = row, False


def _add_grid(session: Session, plan: GridPlan, jobs: _Jobs, who: str) -> Grid:
    """The grid and its points as `submit_grid` records them, each new point's job queued in this
    transaction (this batch's earlier grids count as already run)."""

    def queue(experiment: Experiment) -> None:
        experiment.job_id = jobs.defer(
            EXPERIMENT_TASK, experiment.queue, f"experiment-{experiment.id}", experiment_id=str(experiment.id)
        )

    grid, _ = add_grid(
        session,
        project=plan.dataset.project.row,
        dataset=plan.dataset.row,
        request=plan.request,
        who=who,
        on_new=queue,
    )
    return grid
