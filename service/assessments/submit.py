"""Starting and cancelling assessments: the service's side of the job queue (the test budget is the ledger's)."""

from __future__ import annotations

import dataclasses
from typing import Any

import procrastinate
from sqlalchemy import Engine

from service.database.engine import session_scope
from service.datasets.split_options import split_options_for
from service.jobs.app import ASSESSMENT_TASK, is_known_queue
from service.ledger.budget import check_assessment_can_look
from service.models import Assessment, AssessmentStatus, Dataset, Project, ProjectChange
from service.models.base import utcnow
from service.models.projects import MAX_SEED
from service.settings import Settings
from workers.assessment.config import DEFAULT_RESAMPLES, AssessmentConfig
from workers.checks import UNKEEPABLE_KINDS
from workers.errors import InvalidOption
from workers.experiments.families import DEEP, complete_hyperparameters, hyperparameters_of
from workers.split import DEFAULT_SEED

DEVICES = ("auto", "cpu", "cuda")
MIN_RESAMPLES, MAX_RESAMPLES = 100, 100_000
MAX_EPOCHS = int(next(h.high for h in hyperparameters_of(DEEP) if h.name == "max_epochs"))
MAX_SHOWN_COLUMNS = 10  # an error lists this many unknown columns, then counts the rest


def _whole_number(options: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = options.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(
            f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.", field=name
        )
    if not low <= value <= high:
        raise InvalidOption(f"{name} must be from {low:,} to {high:,}; got {value:,}.", field=name)
    return value


def _keep_columns(dataset: Dataset, options: dict[str, Any]) -> tuple[str, ...]:
    """The columns to keep, each once and in the order given; every one must be a column of the dataset (so
    there are never more than the dataset has)."""
    given = options.get("keep_columns") or ()
    if isinstance(given, str) or not all(isinstance(name, str) for name in given):
        raise InvalidOption("keep_columns must be a list of column names.", field="keep_columns")
    keep = tuple(dict.fromkeys(given))
    known = {p["name"] for p in (dataset.profile or {}).get("column_profiles", [])}
    unknown = [name for name in keep if name not in known]
    if unknown:
        shown = ", ".join(repr(name[:80]) for name in unknown[:MAX_SHOWN_COLUMNS])
        more = f" and {len(unknown) - MAX_SHOWN_COLUMNS:,} more" if len(unknown) > MAX_SHOWN_COLUMNS else ""
        raise InvalidOption(
            f"keep_columns names columns that are not in the dataset: {shown}{more}.", field="keep_columns"
        )
    # Refused here, before a job is queued, as the preparation would refuse it: keeping a column with one
    # value or none changes nothing.
    kinds = {p["name"]: p.get("kind") for p in (dataset.profile or {}).get("column_profiles", [])}
    futile = [name for name in keep if kinds.get(name) in UNKEEPABLE_KINDS]
    if futile:
        shown = ", ".join(f"{name[:80]!r} ({kinds[name]})" for name in futile[:MAX_SHOWN_COLUMNS])
        raise InvalidOption(
            f"keep_columns names columns a model cannot learn from: {shown}. Keep only columns with varied values.",
            field="keep_columns",
        )
    return keep


def assessment_config(dataset: Dataset, options: dict[str, Any], settings: Settings) -> AssessmentConfig:
    """The engine's configuration from a request's options: every option checked here, before any row, file
    or job is written. The API, the dashboard's form, `readiness assess` and batches all come through here,
    so an option refused at one door is refused at every door, in the same words (`InvalidOption`, 422)."""
    device = options.get("device") or "auto"
    if device not in DEVICES:
        raise InvalidOption(f"device must be one of {', '.join(DEVICES)}; got {device!r}.", field="device")
    seed = _whole_number(options, "seed", DEFAULT_SEED, 0, MAX_SEED)
    split = split_options_for(dataset, options)
    n_resamples = _whole_number(options, "n_resamples", DEFAULT_RESAMPLES, MIN_RESAMPLES, MAX_RESAMPLES)
    deep_params: dict[str, Any] = {}
    if options.get("max_epochs") is not None:
        deep_params["max_epochs"] = _whole_number(options, "max_epochs", 0, 1, MAX_EPOCHS)
    # The deep model's own check, as its journal entry will make it: nothing may fail there later.
    complete_hyperparameters(DEEP, deep_params)
    return AssessmentConfig(
        target=dataset.target,
        positive=dataset.positive_label,
        seed=seed,
        keep_columns=_keep_columns(dataset, options),
        split=split.method,
        time_column=split.time_column,
        group_column=split.group_column,
        device=device,
        max_file_bytes=max(settings.max_upload_bytes, dataset.size_bytes),
        n_resamples=n_resamples,
        run_deep=bool(options.get("run_deep", True)),
        learning_curve=bool(options.get("learning_curve", True)),
        deep_params=deep_params,
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
        raise InvalidOption(f"queue must be cpu or gpu; got {queue!r}.", field="queue")
    with session_scope(engine) as session:
        check_assessment_can_look(session, dataset.id, config.seed)
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
        assert row is not None, "inserted above, and only a job that could not be queued deletes its row"
        row.job_id = job_id
        session.flush()
        session.expunge(row)
    return row


def request_cancel(
    engine: Engine, job_app: procrastinate.App, assessment: Assessment, *, who: str | None = None
) -> Assessment:
    """A queued job is cancelled at once; a running one stops at its next batch boundary. With `who`, the
    request goes into the project's history (a `ProjectChange` "assessment <id>": status → cancel)."""
    with session_scope(engine) as session:
        row = session.get(Assessment, assessment.id, with_for_update=True)
        assert row is not None, "the caller read it, and an assessment whose job was queued is never deleted"
        before = row.status
        if row.status in (AssessmentStatus.queued, AssessmentStatus.running, AssessmentStatus.waiting):
            row.cancel_requested = True  # a waiting one stops when its points are done and it resumes
        queued = row.status == AssessmentStatus.queued
        if queued and row.job_id is not None and job_app.job_manager.cancel_job_by_id(row.job_id, abort=True):
            row.status = AssessmentStatus.cancelled
            row.finished_at = utcnow()
        if who is not None and row.cancel_requested:
            after = "cancelled" if row.status == AssessmentStatus.cancelled else "cancel requested"
            session.add(
                ProjectChange(
                    project_id=row.project_id,
                    field=f"assessment {row.id}",
                    old_value=before.value,
                    new_value=after,
                    who=who,
                )
            )
        session.flush()
        session.expunge(row)
    return row
