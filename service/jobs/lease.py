"""A worker's lease on the jobs it runs: how a live worker keeps its job, and how a slow one that lost it
stops without touching it again.

The lease is the worker's row in `procrastinate_workers`: a worker whose `last_heartbeat` is older than
the stalled-worker timeout is presumed dead, and the sweeper (`service.jobs.worker`) hands its jobs to
another worker, where they resume at their first unfinished stage. Two things renew it:

- the heartbeat process (`service.jobs.heartbeat`), every `READINESS_WORKER_HEARTBEAT_SECONDS`, which no
  amount of CPU work in the worker can delay (Procrastinate's own heartbeat, sent from the worker's event
  loop, is replaced: it came late exactly when the worker was busiest);
- the task itself, at its boundaries (each batch-group stop check, each progress write, before each
  stage is saved and before the test look), through `JobLease.renew`: a second, independent proof of life,
  and the moment a worker learns that its job was taken (`JobTaken`).

A worker that learns it lost its job stops that job and writes nothing more; `LeasedJobManager` then keeps
Procrastinate from finishing or retrying a job that now belongs to another worker (Procrastinate's own
`finish_job` would mark the other worker's running job as done).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from procrastinate import jobs, manager
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from service.jobs.heartbeat import BEAT_SQL, HeartbeatProcess

logger = logging.getLogger(__name__)


class RenewLease(Protocol):
    """`JobLease.renew`: proves the worker alive; raises `JobTaken` once it lost the job."""

    def __call__(self, *, force: bool = False) -> None: ...


def no_lease(*, force: bool = False) -> None:
    """The lease of a run outside a job (tests, tools): nothing to renew."""


RENEW_INTERVAL = 1.0  # seconds: the least time between two renewals by the task (boundaries can be fast)

# Takes the job back if a peer pruned this worker's row (Procrastinate then sets the job's worker to NULL)
# but nobody re-queued the job yet; a job re-queued or running elsewhere is not touched.
RECLAIM_SQL = text(
    "UPDATE procrastinate_jobs SET worker_id = :worker_id "
    "WHERE id = :job_id AND status = 'doing' AND worker_id IS NULL"
)
OWNED_SQL = text(
    "SELECT 1 FROM procrastinate_jobs WHERE id = :job_id AND status = 'doing' AND worker_id = :worker_id"
)


class JobTaken(Exception):
    """This worker was presumed dead and its job was handed to another worker: it stops the job here."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            f"job {job_id} was taken over by another worker while this one was silent; stopping it here"
        )
        self.job_id = job_id


class JobLease:
    """The running task's side of the lease on one job."""

    def __init__(self, engine: Engine, *, job_id: int, worker_id: int) -> None:
        self.engine = engine
        self.job_id = job_id
        self.worker_id = worker_id
        self._last = 0.0

    def renew(self, *, force: bool = False) -> None:
        """Say the worker is alive and check that the job is still its own; `JobTaken` if it is not.
        Without `force`, at most once a `RENEW_INTERVAL` (the call sits on hot paths)."""
        now = time.monotonic()
        if not force and now - self._last < RENEW_INTERVAL:
            return
        ids = {"job_id": self.job_id, "worker_id": self.worker_id}
        try:
            with self.engine.begin() as connection:
                connection.exec_driver_sql(BEAT_SQL, ids)
                connection.execute(RECLAIM_SQL, ids)
                owned = connection.execute(OWNED_SQL, ids).scalar() is not None
        except OperationalError:
            if force:
                raise  # a write follows: it cannot go ahead without the database either
            # A database blip in the middle of training: the heartbeat process keeps the lease meanwhile,
            # and the next boundary tries again.
            logger.warning("could not renew the lease of job %s; trying again at the next boundary", self.job_id)
            return
        self._last = now
        if not owned:
            raise JobTaken(self.job_id)


class LeasedJobManager(manager.JobManager):
    """Procrastinate's job manager with the lease: it starts the heartbeat process when the worker
    registers, stops it before the worker unregisters, and leaves alone a job another worker has taken."""

    def __init__(self, *args: Any, url: str, heartbeat_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url = url
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat: HeartbeatProcess | None = None

    async def register_worker(self) -> int:
        worker_id = await super().register_worker()
        self.heartbeat = HeartbeatProcess(self.url, worker_id, self.heartbeat_seconds).start()
        return worker_id

    async def update_heartbeat(self, worker_id: int) -> None:
        # Procrastinate calls this from the worker's event loop, the very loop that CPU-bound tasks starve:
        # the beats come from the heartbeat process instead, and this only restarts it should it have died.
        if self.heartbeat is not None and not self.heartbeat.alive():
            logger.warning("the heartbeat process of worker %s ended; starting it again", worker_id)
            self.heartbeat = HeartbeatProcess(self.url, worker_id, self.heartbeat_seconds).start()

    async def unregister_worker(self, worker_id: int) -> None:
        self.stop_heartbeat()  # first, or a late beat would bring the row back
        await super().unregister_worker(worker_id)

    def stop_heartbeat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.stop()
            self.heartbeat = None

    async def _still_ours(self, job: jobs.Job) -> bool:
        row = await self.connector.execute_query_one_async(
            "SELECT status, worker_id FROM procrastinate_jobs WHERE id = %(job_id)s", job_id=job.id
        )
        # NULL: a peer pruned this worker's row, and nobody took the job since.
        ours = row is not None and row["status"] == "doing" and row["worker_id"] in (None, job.worker_id)
        if not ours:
            logger.warning(
                "job %s was taken over by another worker; leaving its record to that worker", job.id
            )
        return ours

    async def finish_job(self, job: jobs.Job, status: jobs.Status, delete_job: bool) -> None:
        # A few milliseconds pass between this check and the update; a takeover needs the worker to have
        # been silent for the whole stalled timeout, which its task's last renewal just disproved.
        if await self._still_ours(job):
            await super().finish_job(job, status, delete_job)

    async def retry_job(self, job: jobs.Job, *args: Any, **kwargs: Any) -> None:
        if await self._still_ours(job):
            await super().retry_job(job, *args, **kwargs)
