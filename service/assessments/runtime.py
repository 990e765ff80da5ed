"""What a worker runs: assessments and journal experiments, wired to the job queue's worker loop.

The worker loop (`service.jobs.worker`) is an adapter and imports no use case; it is handed
`WorkerRuntime.create`, and the tasks reach the use cases through the runtime in their job context.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import procrastinate
from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.assessments.execute import execute_assessment, mark_crashed
from service.jobs import worker
from service.jobs.app import QUEUES
from service.jobs.lease import JobLease
from service.journal.execute import DataCache, execute_experiment, mark_experiment_crashed
from service.journal.fan_out import resume_if_last
from service.settings import Settings


@dataclass
class WorkerRuntime:
    """What the task needs, handed in through Procrastinate's job context."""

    engine: Engine
    artifacts: ArtifactStore
    job_app: procrastinate.App | None = None  # opened for sync use: tasks queue follow-up jobs through it
    name: str = ""
    data_cache: DataCache = field(default_factory=DataCache)

    def lease(self, job: procrastinate.jobs.Job) -> JobLease:
        assert job.id is not None and job.worker_id is not None  # a fetched job has both
        return JobLease(self.engine, job_id=job.id, worker_id=job.worker_id)

    def execute(self, assessment_id: uuid.UUID, lease: JobLease | None = None) -> str:
        renew = lease.renew if lease is not None else None
        return execute_assessment(self.engine, self.artifacts, assessment_id, self.job_app, renew_lease=renew)

    def mark_crashed(self, assessment_id: uuid.UUID, error: BaseException) -> None:
        mark_crashed(self.engine, assessment_id, error)

    def execute_experiment(self, experiment_id: uuid.UUID, lease: JobLease | None = None) -> str:
        return execute_experiment(
            self.engine,
            self.artifacts,
            experiment_id,
            cache=self.data_cache,
            worker=self.name,
            after=self._after_experiment,
            renew_lease=lease.renew if lease is not None else None,
        )

    def _after_experiment(self, experiment_id: uuid.UUID) -> None:
        if self.job_app is not None:
            resume_if_last(self.engine, self.job_app, experiment_id)

    def mark_experiment_crashed(self, experiment_id: uuid.UUID, error: BaseException) -> None:
        mark_experiment_crashed(self.engine, experiment_id, error)

    @classmethod
    def create(cls, engine: Engine, artifacts: ArtifactStore, job_app: procrastinate.App, name: str) -> WorkerRuntime:
        return cls(engine=engine, artifacts=artifacts, job_app=job_app, name=name)


def run_worker(settings: Settings, queues: Sequence[str] = QUEUES) -> None:
    """Block, working the queues until SIGINT/SIGTERM."""
    worker.run_worker(settings, WorkerRuntime.create, queues)


def run_worker_in_thread(settings: Settings, queues: Sequence[str] = QUEUES) -> worker.WorkerThread:
    """A worker on a background thread of this process (for `readiness serve`, `assess` and tests)."""
    return worker.run_worker_in_thread(settings, WorkerRuntime.create, queues)
