"""Starting, cancelling and budgeting assessments: the service's side of the job queue."""

from __future__ import annotations

import dataclasses
from typing import Any

import procrastinate
from sqlalchemy import Engine, select

from service.database.engine import session_scope
from service.jobs.app import ASSESSMENT_TASK, is_known_queue
from service.jobs.store import looks_used
from service.models import Assessment, AssessmentStatus, BudgetChange, Dataset, Project, Split
from service.models.base import utcnow
from service.settings import Settings
from workers.assessment.config import AssessmentConfig
from workers.errors import InvalidOption, TestBudgetExhausted
from workers.split import DEFAULT_SEED

DEVICES = ("auto", "cpu", "cuda")
MAX_SEED = 2**31 - 1  # a split's seed is a Postgres integer column


def assessment_config(dataset: Dataset, options: dict[str, Any], settings: Settings) -> AssessmentConfig:
    """The engine's configuration from an API request's options, checked before anything is queued."""
    device = options.get("device") or "auto"
    if device not in DEVICES:
        raise InvalidOption(f"device must be one of {', '.join(DEVICES)}; got {device!r}.")
    seed = options.get("seed")
    seed = DEFAULT_SEED if seed is None else int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise InvalidOption(f"seed must be between 0 and {MAX_SEED}; got {seed}.")
    n_resamples = int(options.get("n_resamples") or 1000)
    if n_resamples < 100:
        raise InvalidOption(f"n_resamples must be at least 100; got {n_resamples}.")
    deep_params: dict[str, Any] = {}
    if options.get("max_epochs") is not None:
        if int(options["max_epochs"]) < 1:
            raise InvalidOption("max_epochs must be at least 1.")
        deep_params["max_epochs"] = int(options["max_epochs"])
    keep = tuple(options.get("keep_columns") or ())
    unknown = [
        c for c in keep if c not in {p["name"] for p in (dataset.profile or {}).get("column_profiles", [])}
    ]
    if unknown:
        raise InvalidOption(
            f"keep_columns names columns that are not in the dataset: {', '.join(map(repr, unknown))}."
        )
    return AssessmentConfig(
        target=dataset.target,
        positive=dataset.positive_label,
        seed=seed,
        keep_columns=keep,
        device=device,
        max_file_bytes=max(settings.max_upload_bytes, dataset.size_bytes),
        n_resamples=n_resamples,
        run_deep=bool(options.get("run_deep", True)),
        learning_curve=bool(options.get("learning_curve", True)),
        deep_params=deep_params,
    )


def _check_budget(session: Any, dataset_id: Any, seed: int) -> None:
    split = session.scalar(select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed))
    if split is not None and looks_used(session, split.id) >= split.test_budget:
        raise TestBudgetExhausted(
            f"The test split of this dataset (seed {seed}) has been looked at {split.test_budget} of "
            f"{split.test_budget} times, so a new assessment could not report test metrics. Compare models on "
            f"validation, use another seed for a fresh split only if you have not peeked at it, or raise the "
            f"budget with a reason (POST /api/v1/splits/{split.id}/budget)."
        )


def submit_assessment(
    engine: Engine,
    job_app: procrastinate.App,
    *,
    project: Project,
    dataset: Dataset,
    options: dict[str, Any],
    who: str,
    settings: Settings,
    queue: str | None = None,
) -> Assessment:
    """Record a queued assessment and defer its job; a refused request leaves nothing behind.
    The job goes to `queue`, by default `gpu` when the request asks for CUDA, else `cpu`."""
    config = assessment_config(dataset, options, settings)
    queue = queue or ("gpu" if config.device == "cuda" else "cpu")
    if not is_known_queue(queue):
        raise InvalidOption(f"queue must be cpu or gpu; got {queue!r}.")
    with session_scope(engine) as session:
        _check_budget(session, dataset.id, config.seed)
        assessment = Assessment(
            project_id=project.id,
            dataset_id=dataset.id,
            config=dataclasses.asdict(config),
            queue=queue,
            created_by=who,
        )
        session.add(assessment)
    try:
        job_id = (
            job_app.tasks[ASSESSMENT_TASK]
            .configure(queue=queue, queueing_lock=str(assessment.id))
            .defer(assessment_id=str(assessment.id))
        )
    except Exception:
        with session_scope(engine) as session:
            session.delete(session.get(Assessment, assessment.id))
        raise
    with session_scope(engine) as session:
        row = session.get(Assessment, assessment.id)
        row.job_id = job_id
        session.flush()
        session.expunge(row)
    return row


def request_cancel(engine: Engine, job_app: procrastinate.App, assessment: Assessment) -> Assessment:
    """A queued job is cancelled at once; a running one stops at its next batch boundary."""
    with session_scope(engine) as session:
        row = session.scalar(select(Assessment).where(Assessment.id == assessment.id).with_for_update())
        if row.status in (AssessmentStatus.queued, AssessmentStatus.running):
            row.cancel_requested = True
        queued = row.status == AssessmentStatus.queued and row.job_id is not None
        if queued and job_app.job_manager.cancel_job_by_id(row.job_id, abort=True):
            row.status = AssessmentStatus.cancelled
            row.finished_at = utcnow()
        session.flush()
        session.expunge(row)
    return row


def raise_budget(engine: Engine, *, split: Split, new_limit: int, reason: str, who: str) -> Split:
    """Raise a split's test budget: an audited act with a reason, never a silent edit."""
    if not reason or not reason.strip():
        raise InvalidOption("Raising a test budget needs a reason; it is recorded in the audit log.")
    with session_scope(engine) as session:
        row = session.scalar(select(Split).where(Split.id == split.id).with_for_update())
        if new_limit <= row.test_budget:
            raise InvalidOption(
                f"The budget is {row.test_budget}; it can only be raised (looks already spent cannot be undone)."
            )
        session.add(
            BudgetChange(
                split_id=row.id,
                old_limit=row.test_budget,
                new_limit=new_limit,
                reason=reason.strip(),
                who=who,
            )
        )
        row.test_budget = new_limit
        session.flush()
        session.expunge(row)
    return row
