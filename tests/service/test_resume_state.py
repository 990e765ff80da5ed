"""An assessment whose learning-curve points run as jobs of their own is `waiting` while they run, and the
last point to end queues it again exactly once — on the real embedded Postgres and job queue."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update

from service.artifacts import ArtifactStore
from service.assessments.submit import request_cancel
from service.dashboard.live import progress
from service.database.engine import session_scope
from service.database.migrate import alembic_config, head_revision, upgrade_to_head
from service.jobs.app import ASSESSMENT_TASK
from service.journal.fan_out import fan_out_points, resume_if_last
from service.models import Assessment, AssessmentStatus, Experiment, ExperimentKind, RunStatus
from service.settings import Settings
from tests.service.records import project_with_dataset
from tests.service.test_api_harness import API, bearer
from workers.assessment.store import FanOutPoint, PointsPending

ROOT = Path(__file__).resolve().parents[2]
POINTS = [
    FanOutPoint(family="logistic_regression", hyperparameters={}, train_fraction=fraction, seed=0)
    for fraction in (0.25, 0.5)
]


def _running_assessment(engine: Engine, settings: Settings, team: str = "team-a") -> uuid.UUID:
    """A project's dataset and an assessment a worker is running (no job of its own behind the row)."""
    project, dataset = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        ROOT / "examples" / "breast_cancer.csv",
        target="diagnosis",
        positive="malignant",
        team=team,
    )
    with session_scope(engine) as session:
        row = Assessment(
            project_id=project.id,
            dataset_id=dataset.id,
            config={"seed": 0},
            status=AssessmentStatus.running,
            stage="validation",
        )
        session.add(row)
    return row.id


def _fan_out(engine: Engine, job_app: Any, assessment_id: uuid.UUID) -> list[uuid.UUID]:
    """The learning-curve stage queues its points and ends its job; returns the points' experiment ids."""
    with pytest.raises(PointsPending):
        fan_out_points(engine, job_app, assessment_id, "learning_curve", POINTS, who="test")
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Experiment.id).where(
                    Experiment.assessment_id == assessment_id,
                    Experiment.kind == ExperimentKind.learning_curve,
                )
            )
        )


def _end_points(engine: Engine, ids: list[uuid.UUID]) -> None:
    """What each point's job writes when it has run (the model itself is not what this test is about)."""
    with session_scope(engine) as session:
        session.execute(
            update(Experiment).where(Experiment.id.in_(ids)).values(status=RunStatus.succeeded, result={})
        )


def _assessment_jobs(engine: Engine, assessment_id: uuid.UUID) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    "SELECT id FROM procrastinate_jobs WHERE task_name = :task "
                    "AND args ->> 'assessment_id' = :id"
                ),
                {"task": ASSESSMENT_TASK, "id": str(assessment_id)},
            )
        )


def _row(engine: Engine, assessment_id: uuid.UUID) -> Assessment:
    with session_scope(engine) as session:
        row = session.get(Assessment, assessment_id)
        session.expunge(row)
    return row


def test_a_waiting_assessment_says_so_over_the_api_and_is_not_finished(
    settings: Settings, engine: Engine, job_app: Any, client: TestClient
) -> None:
    assessment_id = _running_assessment(engine, settings)
    _fan_out(engine, job_app, assessment_id)
    headers = bearer(engine, "team-a")
    answer = client.get(f"{API}/assessments/{assessment_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "waiting"
    assert body["progress_info"]["message"] == "learning curve: 0 of 2 points done (each its own job)"
    # The flag clients read before the status existed is still there.
    assert body["progress_info"]["detail"]["waiting_for_points"] is True
    # The dashboard's live page: under way, not finished, its learning-curve stage the active one.
    page = progress(_row(engine, assessment_id))
    assert (page["status"], page["finished"]) == ("waiting", False)
    assert {s["key"]: s["state"] for s in page["stages"]}["learning_curve"] == "active"
    assert page["text"] == "Learning curve: 0 of 2 points done (each its own job)"
    # A cancel is taken: it stops when the points are done and it resumes.
    assert request_cancel(engine, job_app, _row(engine, assessment_id)).cancel_requested


def test_two_points_ending_at_once_queue_the_assessment_exactly_once(
    settings: Settings, engine: Engine, job_app: Any
) -> None:
    assessment_id = _running_assessment(engine, settings)
    points = _fan_out(engine, job_app, assessment_id)
    assert len(points) == 2 and _row(engine, assessment_id).status == AssessmentStatus.waiting
    _end_points(engine, points)
    start = threading.Barrier(len(points))
    errors: list[BaseException] = []

    def point_job_ends(experiment_id: uuid.UUID) -> None:
        try:
            start.wait()
            resume_if_last(engine, job_app, experiment_id)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=point_job_ends, args=(point,)) for point in points]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    jobs = _assessment_jobs(engine, assessment_id)
    row = _row(engine, assessment_id)
    assert len(jobs) == 1 and row.job_id == jobs[0]
    assert row.status == AssessmentStatus.queued
    assert row.progress_detail == {"waiting_for_points": False, "points_done": 2, "points": 2}


def test_a_point_that_is_not_the_last_counts_itself_and_queues_nothing(
    settings: Settings, engine: Engine, job_app: Any
) -> None:
    assessment_id = _running_assessment(engine, settings)
    first, _ = _fan_out(engine, job_app, assessment_id)
    _end_points(engine, [first])
    resume_if_last(engine, job_app, first)
    row = _row(engine, assessment_id)
    assert row.status == AssessmentStatus.waiting and row.progress_detail["points_done"] == 1
    assert _assessment_jobs(engine, assessment_id) == []


def test_the_migration_moves_assessments_waiting_by_flag_to_the_status_and_back(
    settings: Settings, engine: Engine
) -> None:
    running = _running_assessment(engine, settings)
    waiting = _running_assessment(engine, settings, team="team-b")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE assessment SET progress_detail = CAST(:detail AS jsonb) WHERE id = :id"),
            {"detail": '{"waiting_for_points": true, "points_done": 1, "points": 3}', "id": waiting},
        )
    assert upgrade_to_head(engine) == head_revision()
    assert _row(engine, waiting).status == AssessmentStatus.waiting
    assert _row(engine, running).status == AssessmentStatus.running
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        statuses = set(connection.scalars(text("SELECT status::text FROM assessment")))
    assert statuses == {"running"}
    upgrade_to_head(engine)
