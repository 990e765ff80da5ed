"""Submitting experiments: the duplicate check, the record and its job, all or nothing."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

import procrastinate
from sqlalchemy import Engine, delete
from sqlmodel import Session

from service.database.engine import session_scope
from service.datasets.modality import dataset_modality
from service.jobs.app import EXPERIMENT_TASK, is_known_queue
from service.journal.duplicates import DuplicateExperiment, earlier_run, lock_fingerprint
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint
from service.models import Dataset, Experiment, ExperimentKind, GridPoint, Project
from workers.errors import InvalidOption
from workers.experiments.subsample import MIN_ROWS_PER_CLASS
from workers.families import ALL_DEEP_FAMILIES, check_family_fits

MAX_REASON_CHARS = 2000


def queue_for(request: ExperimentRequest) -> str:
    """Deep models go where the GPUs are; a worker started without --queue works both queues."""
    return "gpu" if request.model_family in ALL_DEEP_FAMILIES or request.device == "cuda" else "cpu"


def check_request(request: ExperimentRequest) -> None:
    if not 0.0 < request.train_fraction <= 1.0:
        raise InvalidOption(f"train_fraction must be in (0, 1]; got {request.train_fraction}.")
    if request.repeat and not (request.repeat_reason or "").strip():
        raise InvalidOption(
            "A deliberate repeat needs a repeat_reason (for example 'seed-variance study'); it is recorded."
        )
    if request.repeat_reason and len(request.repeat_reason) > MAX_REASON_CHARS:
        raise InvalidOption(f"repeat_reason is longer than {MAX_REASON_CHARS} characters.")


def check_family_fits_dataset(dataset: Dataset, family: str) -> None:
    """An image family on a table, or a table deep family on images: a 4xx naming the families that fit."""
    check_family_fits(family, dataset_modality(dataset))


def check_enough_rows(dataset: Dataset, train_fraction: float) -> None:
    """Refuse a `train_fraction` that leaves a class with fewer training rows than a model needs, from the
    dataset's class counts and its stratified split, before anything is recorded or queued (the job would
    only fail). Estimated per class as its share of the training split; the job makes the exact check."""
    profile = dataset.profile or {}
    counts = {str(k): int(v) for k, v in (profile.get("class_counts") or {}).items()}
    train_rows = ((profile.get("split") or {}).get("sizes") or {}).get("train")
    if not counts or not train_rows or not dataset.rows or train_fraction >= 1.0:
        return
    share = train_rows / dataset.rows
    kept = {label: math.floor(train_fraction * count * share + 0.5) for label, count in counts.items()}
    short = {label: rows for label, rows in kept.items() if rows < MIN_ROWS_PER_CLASS}
    if short:
        smallest = min(counts.values()) * share
        needed = min(1.0, math.ceil((MIN_ROWS_PER_CLASS - 0.5) / smallest * 1000) / 1000)
        shown = ", ".join(f"class {label!r} about {rows}" for label, rows in short.items())
        raise InvalidOption(
            f"train_fraction {train_fraction:g} leaves too few training rows ({shown}); every class needs at "
            f"least {MIN_ROWS_PER_CLASS}. Use a train_fraction of at least {needed:g}."
        )


def new_experiment(
    session: Session,
    *,
    project: Project,
    dataset: Dataset,
    request: ExperimentRequest,
    who: str,
    kind: ExperimentKind = ExperimentKind.single,
    queue: str | None = None,
    grid_id: uuid.UUID | None = None,
    assessment_id: uuid.UUID | None = None,
) -> Experiment:
    """Add a queued experiment to the session after the duplicate check (raises DuplicateExperiment)."""
    check_request(request)
    procedure, fp = procedure_and_fingerprint(dataset, request)
    lock_fingerprint(session, fp)
    earlier = earlier_run(session, project.team_id, fp)
    if earlier is not None and not request.repeat:
        raise DuplicateExperiment(earlier)
    queue = queue or queue_for(request)
    if not is_known_queue(queue):
        raise InvalidOption(f"queue must be cpu or gpu; got {queue!r}.")
    experiment = Experiment(
        project_id=project.id,
        dataset_id=dataset.id,
        assessment_id=assessment_id,
        grid_id=grid_id,
        kind=kind,
        model_family=procedure["family"],
        train_fraction=request.train_fraction,
        seed=request.seed,
        procedure={**procedure, "device": request.device},
        fingerprint=fp,
        repeat_of=earlier.id if earlier is not None else None,
        repeat_reason=(request.repeat_reason or "").strip() or None if earlier is not None else None,
        hypothesis=request.hypothesis,
        tags=sorted(set(request.tags)),
        queue=queue,
        created_by=who,
    )
    session.add(experiment)
    session.flush()
    return experiment


def discard(engine: Engine, experiment_ids: Sequence[uuid.UUID]) -> None:
    """Remove experiments that could not be queued (and the grid points that stood for them)."""
    with session_scope(engine) as session:
        session.execute(delete(GridPoint).where(GridPoint.experiment_id.in_(experiment_ids)))
        session.execute(delete(Experiment).where(Experiment.id.in_(experiment_ids)))


def defer_experiments(
    engine: Engine, job_app: procrastinate.App, experiments: Sequence[Experiment]
) -> list[Experiment]:
    """Queue one job per committed experiment. If the queue refuses, the records go too: nothing is left
    that no worker will ever pick up."""
    deferred: list[tuple[uuid.UUID, int]] = []
    try:
        for experiment in experiments:
            job_id = (
                job_app.tasks[EXPERIMENT_TASK]
                .configure(queue=experiment.queue, queueing_lock=f"experiment-{experiment.id}")
                .defer(experiment_id=str(experiment.id))
            )
            deferred.append((experiment.id, job_id))
    except Exception:
        discard(engine, [experiment.id for experiment in experiments])
        raise
    with session_scope(engine) as session:
        rows = []
        for experiment_id, job_id in deferred:
            row = session.get(Experiment, experiment_id)
            assert row is not None  # inserted above; only this request knows its id yet
            row.job_id = job_id
            rows.append(row)
        session.flush()
        for row in rows:
            session.expunge(row)
    return rows


def submit_experiment(
    engine: Engine,
    job_app: procrastinate.App,
    *,
    project: Project,
    dataset: Dataset,
    request: ExperimentRequest,
    who: str,
) -> Experiment:
    """Record one experiment and queue its job; a duplicate (without repeat) is refused with nothing written."""
    check_request(request)
    check_family_fits_dataset(dataset, request.model_family)
    check_enough_rows(dataset, request.train_fraction)
    with session_scope(engine) as session:
        experiment = new_experiment(session, project=project, dataset=dataset, request=request, who=who)
    return defer_experiments(engine, job_app, [experiment])[0]
