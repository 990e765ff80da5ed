"""`readiness assess FILE` through the service's own records: the CLI, the API and the dashboard all see
the same project, dataset, split, ledger and assessment rows.

The job goes to a queue of its own and a worker in this process works only that queue, so the CLI runs
exactly its own job even on a shared database, and every stage is persisted like any other job's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.assessments.runtime import run_worker_in_thread
from service.assessments.store import PostgresStore
from service.assessments.submit import assessment_config, submit_assessment
from service.cli.person import cli_who
from service.database.engine import session_scope
from service.datasets.intake import (
    inspect_upload,
    stored_suffix,
)
from service.datasets.local import check_project_name, local_dataset, local_project, open_local
from service.jobs.app import make_job_app, private_queue
from service.journal.assessment_records import repeat_warnings
from service.models import Assessment, AssessmentStatus
from service.settings import Settings
from workers.errors import AssessmentCancelled, ReadinessError
from workers.rubric.questionnaire import Answers

POLL_SECONDS = 0.3
FINAL = (AssessmentStatus.succeeded, AssessmentStatus.failed, AssessmentStatus.cancelled)

OnProgress = Callable[[str | None, float, dict[str, Any]], None]
OnBaselines = Callable[[list[dict[str, Any]]], None]


class AssessmentFailed(ReadinessError):
    """The assessment job failed."""

    code = "assessment_failed"


@dataclass(frozen=True)
class LocalRun:
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    report: dict[str, Any]
    warnings: list[str]  # the journal's: models of this assessment that already ran on the same data


def assess_through_service(
    settings: Settings,
    path: Path,
    *,
    project_name: str,
    target: str,
    positive: str | None,
    answers: Answers | None,
    options: dict[str, Any],
    test_budget: int,
    on_progress: OnProgress,
    on_baselines: OnBaselines,
) -> LocalRun:
    """Record everything, run the job on an in-process worker, and return the finished report."""
    # The file, the name and every option are checked before the database starts: a typo should not cost a
    # server start, and a refused run must leave no project, dataset, file or assessment behind.
    check_project_name(project_name)
    stored_suffix(path.name)
    found = inspect_upload(  # here, not apart: the CLI is alone in its process (README, Hostile inputs)
        path,
        target=target,
        positive=positive,
        max_bytes=settings.max_upload_bytes,
        name=path.name,
        limits=settings.table_limits,
        artifacts=ArtifactStore(settings.artifacts_path),  # a file read before is not parsed again
        apart=False,
        image_limits=settings.image_limits,
    )
    size = path.stat().st_size
    unsaved = found.dataset_row(project_id=None, filename=path.name, stored_as="", size=size)
    assessment_config(unsaved, options, settings)  # the same checks submit_assessment makes, made early
    settings, engine, artifacts = open_local(settings)
    with session_scope(engine) as session:
        project = local_project(session, project_name, answers, test_budget)
    dataset = local_dataset(engine, artifacts, project, path, found, max_bytes=settings.max_upload_bytes)
    queue = private_queue()
    job_app = make_job_app(settings.database_url or "")
    with job_app.open():
        assessment = submit_assessment(
            engine,
            job_app,
            project=project,
            dataset=dataset,
            options=options,
            who=cli_who(),
            settings=settings,
            queue=queue,
        )
    with session_scope(engine) as session:
        warnings = repeat_warnings(session, project, dataset, assessment.config or {})
    worker = run_worker_in_thread(settings, queues=[queue])
    try:
        stages = PostgresStore(engine, artifacts, assessment.id, who=cli_who())
        row = _follow(engine, stages, on_progress, on_baselines)
    finally:
        worker.stop()
        engine.dispose()
    if row.status == AssessmentStatus.cancelled:
        raise AssessmentCancelled(row.error_detail)
    if row.status == AssessmentStatus.failed:
        error = AssessmentFailed(row.error_detail)
        error.code = row.error_code or AssessmentFailed.code
        raise error
    return LocalRun(assessment.id, project.id, dataset.id, row.report or {}, warnings)


def _follow(
    engine: Engine, stages: PostgresStore, on_progress: OnProgress, on_baselines: OnBaselines
) -> Assessment:
    """Poll the assessment row until it ends; the baselines' results are read from their persisted stage
    output as soon as it exists (a poll can miss a progress update, never a saved stage)."""
    seen: tuple[Any, ...] = ()
    baselines_shown = False
    while True:
        with session_scope(engine) as session:
            row = session.get(Assessment, stages.assessment_id)
        assert row is not None, "submitted above, and only an assessment whose job was not queued is deleted"
        state = (row.stage, row.progress, row.progress_detail)
        if state != seen:
            on_progress(row.stage, row.progress, row.progress_detail or {})
            seen = state
        if not baselines_shown and (baselines := stages.load_stage("baselines")) is not None:
            on_baselines(baselines.fitted())  # a BaselinesOutput
            baselines_shown = True
        if row.status in FINAL:
            return row
        time.sleep(POLL_SECONDS)
