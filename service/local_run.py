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

from sqlalchemy import Engine, select

from service.api.uploads import (
    Inspection,
    forget_upload,
    inspect_dataset,
    lock_artifact,
    store_upload,
    stored_suffix,
)
from service.artifacts import ArtifactStore
from service.database.engine import make_engine, resolve_database_url, session_scope
from service.database.migrate import upgrade_to_head
from service.jobs.app import make_job_app, private_queue
from service.jobs.store import PostgresStore
from service.jobs.submit import submit_assessment
from service.jobs.worker import run_worker_in_thread
from service.models import Assessment, AssessmentStatus, Dataset, Project, Team
from service.settings import Settings
from workers.errors import AssessmentCancelled, ReadinessError
from workers.rubric.questionnaire import Answers
from workers.rubric.scoring import score_readiness

LOCAL_TEAM = "local"  # CLI runs without an API key belong to this team
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


def _project(session: Any, name: str, answers: Answers | None, test_budget: int) -> Project:
    team = session.scalar(select(Team).where(Team.name == LOCAL_TEAM))
    if team is None:
        team = Team(name=LOCAL_TEAM)
        session.add(team)
        session.flush()
    project = session.scalar(select(Project).where(Project.team_id == team.id, Project.name == name))
    if project is None:
        project = Project(team_id=team.id, name=name, test_budget=test_budget)
        session.add(project)
    if answers is not None:
        project.answers = answers.model_dump(mode="json", exclude_none=True)
        project.readiness = score_readiness(answers, None)
    session.flush()
    return project


def _dataset(
    engine: Engine,
    artifacts: ArtifactStore,
    project: Project,
    path: Path,
    found: Inspection,
    *,
    max_bytes: int,
) -> Dataset:
    """The same bytes, target and positive class in a project are one dataset: its splits, and so its
    test budget, carry over from run to run."""
    suffix = stored_suffix(path.name)
    with path.open("rb") as handle:
        name, size = store_upload(artifacts, handle, suffix=suffix, max_bytes=max_bytes)
    try:
        with session_scope(engine) as session:
            lock_artifact(session, name)
            existing = session.scalar(
                select(Dataset).where(
                    Dataset.project_id == project.id,
                    Dataset.sha256 == found.sha256,
                    Dataset.target == found.target,
                    Dataset.positive_label == found.positive_label,
                )
            )
            if existing is not None:
                return existing
            dataset = found.dataset_row(project_id=project.id, filename=path.name, stored_as=name, size=size)
            session.add(dataset)
            session.flush()
            return dataset
    except BaseException:
        forget_upload(engine, artifacts, name)
        raise


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
    # The file is read and checked before the database starts: a typo should not cost a server start.
    stored_suffix(path.name)
    found = inspect_dataset(
        path, target=target, positive=positive, max_bytes=settings.max_upload_bytes, name=path.name
    )
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    engine = make_engine(settings.database_url or "")
    upgrade_to_head(engine)
    artifacts = ArtifactStore(settings.artifacts_path)
    with session_scope(engine) as session:
        project = _project(session, project_name, answers, test_budget)
    dataset = _dataset(engine, artifacts, project, path, found, max_bytes=settings.max_upload_bytes)
    queue = private_queue()
    job_app = make_job_app(settings.database_url or "")
    with job_app.open():
        assessment = submit_assessment(
            engine,
            job_app,
            project=project,
            dataset=dataset,
            options=options,
            who="cli",
            settings=settings,
            queue=queue,
        )
    worker = run_worker_in_thread(settings, queues=[queue])
    try:
        stages = PostgresStore(engine, artifacts, assessment.id, who="cli")
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
    return LocalRun(assessment.id, project.id, dataset.id, row.report or {})


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
        state = (row.stage, row.progress, row.progress_detail)
        if state != seen:
            on_progress(row.stage, row.progress, row.progress_detail or {})
            seen = state
        if not baselines_shown and (baselines := stages.load_stage("baselines")) is not None:
            on_baselines(
                [
                    {
                        "name": m.name,
                        "seconds": m.fit_seconds,
                        "val_roc_auc": baselines["val_roc_auc"][m.name],
                    }
                    for m in baselines["models"]
                ]
            )
            baselines_shown = True
        if row.status in FINAL:
            return row
        time.sleep(POLL_SECONDS)
