"""What a worker does with one assessment job: run (or resume) the stages and record the outcome.

The job loads the dataset as intake parsed it and the preparation stored for its seed (see
`service.datasets`); it never reads the uploaded file itself unless the dataset predates its parsed copy."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import procrastinate
from sqlalchemy import Engine, update
from sqlmodel import col

from service.artifacts import ArtifactStore
from service.assessments.store import PostgresStore
from service.database.engine import session_scope
from service.datasets.parsed import StoredDataset, load_stored
from service.datasets.prepared import stored_preparation
from service.jobs.lease import RenewLease
from service.journal.assessment_records import record_assessment_experiments
from service.models import Assessment, AssessmentStatus, Dataset, Project
from service.models.base import utcnow
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import run_assessment
from workers.assessment.store import PointsPending
from workers.errors import AssessmentCancelled, ReadinessError
from workers.rubric.questionnaire import parse_answers

logger = logging.getLogger(__name__)


def _end(engine: Engine, assessment_id: uuid.UUID, status: AssessmentStatus, code: str, detail: str) -> str:
    """Record how an assessment ended without a report (cancelled, failed, crashed); returns the status."""
    with session_scope(engine) as session:
        session.execute(
            update(Assessment)
            .where(col(Assessment.id) == assessment_id)
            .values(status=status, error_code=code, error_detail=detail, finished_at=utcnow())
        )
    return status.value


def execute_assessment(
    engine: Engine,
    artifacts: ArtifactStore,
    assessment_id: uuid.UUID,
    job_app: procrastinate.App | None = None,
    *,
    renew_lease: RenewLease | None = None,
) -> str:
    """Run one assessment to its end; returns the final status. User/data errors end it as `failed`
    with their code and are not raised again (retrying cannot fix bad data); anything else is raised so
    the job queue retries it, resuming at the first unfinished stage. `renew_lease` is called at the run's
    boundaries and raises `JobTaken` when another worker took the job over."""
    with session_scope(engine) as session:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            logger.warning("assessment %s no longer exists; nothing to do", assessment_id)
            return "missing"
        if assessment.status in (
            AssessmentStatus.succeeded,
            AssessmentStatus.failed,
            AssessmentStatus.cancelled,
        ):
            return assessment.status.value  # a duplicate delivery of a finished job
        dataset = session.get(Dataset, assessment.dataset_id)
        project = session.get(Project, assessment.project_id)
        # Foreign keys name both, and nothing deletes a project or a dataset.
        assert dataset is not None and project is not None, "an assessment's project and dataset exist"
        config = AssessmentConfig(**(assessment.config or {}))
        answers = parse_answers(project.answers or {}, source="project answers")
        stored = StoredDataset.of(dataset)
        who = assessment.created_by or "worker"
        assessment.status = AssessmentStatus.running
        assessment.started_at = assessment.started_at or utcnow()
    store = PostgresStore(engine, artifacts, assessment_id, who=who, job_app=job_app, renew_lease=renew_lease)
    try:
        started = time.perf_counter()
        # The data as intake parsed it, and its preparation as stored: no job parses, splits or checks again.
        data = load_stored(artifacts, stored)
        report = run_assessment(
            data,
            config,
            store,
            answers=answers,
            key=str(assessment_id),
            prepare_data=stored_preparation(artifacts),
            load_seconds=time.perf_counter() - started,
        )
    except PointsPending:
        # The learning-curve points run as jobs of their own; the last to finish queues this job again.
        return "waiting"
    except AssessmentCancelled as cancelled:
        return _end(engine, assessment_id, AssessmentStatus.cancelled, cancelled.code, cancelled.detail)
    except ReadinessError as error:
        return _end(engine, assessment_id, AssessmentStatus.failed, error.code, error.detail)
    store.renew_lease(force=True)
    with session_scope(engine) as session:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:  # deleted while it ran, as at the start: nothing left to record the report on
            logger.warning("assessment %s no longer exists; its report is not kept", assessment_id)
            return "missing"
        assessment.status = AssessmentStatus.succeeded
        assessment.finished_at = utcnow()
        assessment.report = {**report, "elapsed": elapsed(assessment, report)}
        assessment.progress = 1.0
        project = session.get(Project, assessment.project_id)
        dataset = session.get(Dataset, assessment.dataset_id)
        assert dataset is not None and project is not None, "an assessment's project and dataset exist"
        project.readiness = report["readiness"]
        record_assessment_experiments(session, assessment, project, dataset, report)
    return AssessmentStatus.succeeded.value


def elapsed(assessment: Assessment, report: dict[str, Any]) -> dict[str, float]:
    """Where the time went, from submission to report: what a user waited, not just what the stages took.
    `waiting_seconds` is the time between the stages — for the learning-curve points, which run as jobs
    of their own, and for a worker to take the resumed job. Measured up to now if it has not finished."""
    wall = ((assessment.finished_at or utcnow()) - assessment.created_at).total_seconds()
    queued = ((assessment.started_at or assessment.created_at) - assessment.created_at).total_seconds()
    stages = sum(seconds or 0.0 for seconds in (report.get("timings") or {}).values())
    return {
        "wall_seconds": wall,
        "queued_seconds": queued,
        "stage_seconds": stages,
        "waiting_seconds": max(0.0, wall - queued - stages),
        "cpu_seconds": sum(seconds or 0.0 for seconds in (report.get("cpu_timings") or {}).values()),
    }


def mark_crashed(engine: Engine, assessment_id: uuid.UUID, error: BaseException) -> None:
    """After the last retry: say so on the record instead of leaving it 'running' forever."""
    detail = f"The assessment failed after its retries: {type(error).__name__}: {error}"
    _end(engine, assessment_id, AssessmentStatus.failed, "internal_error", detail)
