"""An assessment's fan-out points (its learning curve) as experiments of their own, one job each.

The assessment's job creates the missing points, marks the assessment `waiting` and ends (`PointsPending`);
each point's job, when it has recorded its outcome, checks under a lock on the assessment whether it was the
last one, and if so queues the assessment again (`waiting` → `queued`) — which resumes at the learning-curve
stage with every point's result in the journal.
Points whose procedure already succeeded in the team (an earlier assessment of the same data) are reused."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from service.database.engine import session_scope
from service.jobs.app import ASSESSMENT_TASK
from service.journal.duplicates import lock_fingerprint, runs_of
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint, split_of_config
from service.journal.submit import defer_experiments, new_experiment
from service.models import (
    Assessment,
    AssessmentStatus,
    Dataset,
    Experiment,
    ExperimentKind,
    Project,
    RunStatus,
)
from workers.assessment.store import FanOutPoint, PointsPending

logger = logging.getLogger(__name__)
OPEN = (RunStatus.queued, RunStatus.running)


def _outcome(experiment: Experiment) -> dict[str, Any]:
    if experiment.status == RunStatus.succeeded:
        return {**(experiment.result or {}), "experiment_id": str(experiment.id)}
    return {
        **(experiment.result or {}),
        "failed": True,
        "error": experiment.error_detail or experiment.status.value,
        "experiment_id": str(experiment.id),
    }


def _request(point: FanOutPoint, config: dict[str, Any], stage: str) -> ExperimentRequest:
    return ExperimentRequest(
        model_family=point.family,
        hyperparameters=dict(point.hyperparameters),
        seed=point.seed,
        split_seed=int(config["seed"]),
        train_fraction=point.train_fraction,
        keep_columns=tuple(config.get("keep_columns") or ()),
        # The assessment's split options: its learning-curve points train on the very split it made.
        split=split_of_config(config),
        device=point.device,
        tags=(stage.replace("_", "-"),),
    )


def fan_out_points(
    engine: Engine,
    job_app: procrastinate.App,
    assessment_id: uuid.UUID,
    stage: str,
    points: Sequence[FanOutPoint],
    who: str,
) -> list[dict[str, Any]]:
    """Every point's result in order, or PointsPending after queuing the points not yet run."""
    new: list[Experiment] = []
    with session_scope(engine) as session:
        assessment = session.get(Assessment, assessment_id, with_for_update=True)
        # This is the assessment's own running job (only one that could not be queued deletes its row), and
        # foreign keys hold its dataset and project, which nothing deletes.
        assert assessment is not None, "the assessment whose job is running exists"
        dataset = session.get(Dataset, assessment.dataset_id)
        project = session.get(Project, assessment.project_id)
        assert dataset is not None and project is not None, "an assessment's project and dataset exist"
        requests = [_request(point, assessment.config or {}, stage) for point in points]
        fingerprints = [procedure_and_fingerprint(dataset, r)[1] for r in requests]
        own = {
            e.fingerprint: e
            for e in session.scalars(
                select(Experiment).where(
                    col(Experiment.assessment_id) == assessment_id,
                    col(Experiment.kind) == ExperimentKind.learning_curve,
                )
            )
        }
        for fp in sorted(set(fingerprints) - set(own)):
            lock_fingerprint(session, fp)
        standing = runs_of(session, [fp for fp in fingerprints if fp not in own], project.team_id)
        chosen: list[Experiment] = []
        for request, fp in zip(requests, fingerprints, strict=True):
            earlier = own.get(fp) or standing.get(fp)
            if earlier is not None and (
                earlier.assessment_id == assessment_id or earlier.status == RunStatus.succeeded
            ):
                chosen.append(earlier)
                continue
            # Not run yet, or still running for someone else (whose finish would not wake this assessment):
            # run it here, as a recorded repeat in the second case.
            repeat = earlier is not None
            experiment = new_experiment(
                session,
                project=project,
                dataset=dataset,
                request=ExperimentRequest(
                    **{
                        **request.__dict__,
                        "repeat": repeat,
                        "repeat_reason": f"learning curve of assessment {assessment_id}" if repeat else None,
                    }
                ),
                who=who,
                kind=ExperimentKind.learning_curve,
                queue=assessment.queue,
                assessment_id=assessment_id,
            )
            own[fp] = experiment
            new.append(experiment)
            chosen.append(experiment)
        pending = [e for e in chosen if e.status in OPEN]
        if pending:
            done = len(chosen) - len(pending)
            # Committed before the points are queued, so the last point always finds the assessment waiting.
            assessment.status = AssessmentStatus.waiting
            assessment.stage = stage
            assessment.progress = done / len(chosen)
            # The flag stays in the progress JSON for the clients that read it there; the status is the rule.
            assessment.progress_detail = {
                "waiting_for_points": True,
                "points_done": done,
                "points": len(chosen),
            }
        results = [_outcome(e) for e in chosen]
        for experiment in new:
            session.expunge(experiment)
    if new:
        defer_experiments(engine, job_app, new)
    if pending:
        raise PointsPending(len(chosen) - len(pending), len(chosen))
    return results


def resume_if_last(engine: Engine, job_app: procrastinate.App, experiment_id: uuid.UUID) -> None:
    """Called when an experiment has ended: if it was the last open point a waiting assessment waits for,
    queue the assessment again. Once only: the status moves from `waiting` to `queued` under the row lock,
    so of two points ending at once the second sees `queued` and leaves it."""
    with session_scope(engine) as session:
        experiment = session.get(Experiment, experiment_id)
        if (
            experiment is None
            or experiment.assessment_id is None
            or experiment.kind != ExperimentKind.learning_curve
        ):
            return
        assessment = session.get(Assessment, experiment.assessment_id, with_for_update=True)
        if assessment is None or assessment.status != AssessmentStatus.waiting:
            return
        detail = dict(assessment.progress_detail or {})
        open_points = _open_points(session, assessment.id)
        total = detail.get("points") or 0
        if open_points:
            detail["points_done"] = max(0, total - open_points)
            assessment.progress_detail = detail
            assessment.progress = detail["points_done"] / total if total else 0.0
            return
        assessment.progress_detail = {**detail, "waiting_for_points": False, "points_done": total}
        assessment.status = AssessmentStatus.queued
        try:
            # Its new job, so that a cancel while it is queued again cancels that job at once.
            assessment.job_id = (
                job_app.tasks[ASSESSMENT_TASK]
                .configure(queue=assessment.queue, queueing_lock=str(assessment.id))
                .defer(assessment_id=str(assessment.id))
            )
        except AlreadyEnqueued:
            logger.info("assessment %s is already queued again", assessment.id)


def _open_points(session: Session, assessment_id: uuid.UUID) -> int:
    return len(
        session.scalars(
            select(col(Experiment.id)).where(
                col(Experiment.assessment_id) == assessment_id,
                col(Experiment.kind) == ExperimentKind.learning_curve,
                col(Experiment.status).in_(OPEN),
            )
        ).all()
    )
