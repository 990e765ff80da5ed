"""What a worker does with one experiment job: load the prepared data, train, record.

The data is the dataset as intake parsed it and its preparation for the split seed and kept columns, both
read from the artifact store (`service.datasets`): an experiment never parses, splits or checks the file (the
first one of a new split prepares and stores it for the rest). A grid runs many experiments on one split; a
worker also keeps the last few in memory, so the points it picks up one after another do not even read them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.datasets.parsed import StoredDataset, load_stored
from service.datasets.prepared import stored_preparation
from service.jobs.lease import RenewLease, no_lease
from service.ledger.looks import record_split
from service.models import FINISHED_STATUSES, Dataset, Experiment, RunStatus
from service.models.base import utcnow
from workers.errors import ReadinessError
from workers.experiments.data import ExperimentData, experiment_data
from workers.experiments.procedure import Procedure
from workers.experiments.run import run_experiment

logger = logging.getLogger(__name__)
CACHED_DATASETS = 2

# (the parsed data's name, split seed, kept columns, split options)
DataKey = tuple[str, int, tuple[str, ...], tuple[str | None, ...]]
AfterExperiment = Callable[[uuid.UUID], None]


class DataCache:
    """The last few prepared datasets of this worker, by (parsed data, split seed, kept columns)."""

    def __init__(self, size: int = CACHED_DATASETS) -> None:
        self.size = size
        self._items: OrderedDict[DataKey, ExperimentData] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: DataKey, prepare: Callable[[], ExperimentData]) -> ExperimentData:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        data = prepare()
        with self._lock:
            self._items[key] = data
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return data


@dataclass(frozen=True)
class _Job:
    procedure: Procedure
    device: str
    dataset_id: uuid.UUID
    data: StoredDataset


def _start(engine: Engine, experiment_id: uuid.UUID) -> _Job | str:
    with session_scope(engine) as session:
        experiment = session.get(Experiment, experiment_id)
        if experiment is None:
            logger.warning("experiment %s no longer exists; nothing to do", experiment_id)
            return "missing"
        if experiment.status in FINISHED_STATUSES:
            return experiment.status.value  # a duplicate delivery of a finished job
        dataset = session.get(Dataset, experiment.dataset_id)
        assert dataset is not None, "a foreign key holds the experiment's dataset, and nothing deletes one"
        experiment.status = RunStatus.running
        experiment.started_at = experiment.started_at or utcnow()
        return _Job(
            procedure=Procedure.from_json(experiment.procedure),
            device=str(experiment.procedure.get("device") or "auto"),
            dataset_id=dataset.id,
            data=StoredDataset.of(dataset),
        )


def _finish(engine: Engine, experiment_id: uuid.UUID, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Experiment)
            .where(col(Experiment.id) == experiment_id)
            .values(finished_at=utcnow(), **values)
        )


def execute_experiment(
    engine: Engine,
    artifacts: ArtifactStore,
    experiment_id: uuid.UUID,
    *,
    cache: DataCache | None = None,
    after: AfterExperiment | None = None,
    worker: str = "",
    renew_lease: RenewLease | None = None,
) -> str:
    """Run one experiment to its end and return its final status. Data errors end it `failed` with their
    code (a retry cannot fix them); crashes are raised for the queue to retry. `after` runs once the
    outcome is recorded (an assessment waiting for its learning-curve points resumes there).
    `renew_lease` is called at every batch-group boundary and before the result is written; it raises
    `JobTaken` when another worker took the job over."""
    renew = renew_lease or no_lease

    def still_ours() -> bool:
        renew()
        return False  # experiments are not cancelled while running; the check is the lease's

    job = _start(engine, experiment_id)
    if isinstance(job, str):
        return job
    procedure = job.procedure
    key: DataKey = (
        job.data.data_key,
        procedure.split_seed,
        procedure.keep_columns,
        tuple(procedure.split_options.key()),
    )
    try:
        data = (cache or DataCache(0)).get(
            key,
            lambda: experiment_data(
                load_stored(artifacts, job.data),
                seed=procedure.split_seed,
                keep_columns=procedure.keep_columns,
                prepare_data=stored_preparation(artifacts),
                split_options=procedure.split_options,
            ),
        )
        result = run_experiment(
            data,
            procedure.family,
            procedure.hyperparameters,
            seed=procedure.seed,
            train_fraction=procedure.train_fraction,
            device=job.device,
            should_stop=still_ours,
        )
    except ReadinessError as error:
        _finish(
            engine, experiment_id, status=RunStatus.failed, error_code=error.code, error_detail=error.detail
        )
        if after is not None:
            after(experiment_id)
        return RunStatus.failed.value
    renew(force=True)
    # The fitted model is kept so the best grid point can be looked at on the test split without retraining.
    model_artifact = artifacts.put_object(result.model) if result.model is not None else None
    with session_scope(engine) as session:
        split = record_split(
            session,
            job.dataset_id,
            seed=data.split.seed,
            split_hash=data.split_hash,
            sizes=data.split.sizes,
            split_key=data.split.ledger_key,
        )
        experiment = session.get(Experiment, experiment_id)
        if experiment is None:  # deleted while it ran, as `_start` would find it: no row to record it on
            logger.warning("experiment %s no longer exists; its result is not kept", experiment_id)
            return "missing"
        experiment.split_id = split.id
        experiment.procedure = {**procedure.with_data(data).to_json(), "device": job.device}
        experiment.result = {
            **result.to_json(),
            "model_artifact": model_artifact,
            "excluded": data.excluded,
            "worker": worker,
        }
        experiment.finished_at = utcnow()
        if result.failed:
            experiment.status = RunStatus.failed
            experiment.error_code = "overfit_check_failed"
            experiment.error_detail = result.error
        else:
            experiment.status = RunStatus.succeeded
        status = experiment.status.value
    if after is not None:
        after(experiment_id)
    return status


def mark_experiment_crashed(engine: Engine, experiment_id: uuid.UUID, error: BaseException) -> None:
    """After the last retry: say so on the record instead of leaving it 'running' forever."""
    _finish(
        engine,
        experiment_id,
        status=RunStatus.failed,
        error_code="internal_error",
        error_detail=f"The experiment failed after its retries: {type(error).__name__}: {error}",
    )
