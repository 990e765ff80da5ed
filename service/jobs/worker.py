"""Running a worker: Procrastinate's loop over our queues, plus a sweeper that hands the jobs of dead
workers (no heartbeat within the stalled timeout, or no worker row at all) back to the queue, where they
resume at their first unfinished stage. How a live worker keeps its job: `service.jobs.lease`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import procrastinate
from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.database.engine import make_engine, resolve_database_url
from service.database.migrate import ensure_at_head
from service.jobs.app import QUEUES, is_known_queue, make_job_app
from service.jobs.lease import LeasedJobManager
from service.settings import Settings

logger = logging.getLogger(__name__)
FETCH_POLLING_INTERVAL = 1.0  # seconds; LISTEN/NOTIFY wakes the worker sooner when a job is deferred



def sweep_interval(settings: Settings) -> float:
    """How often to look for stalled jobs: often enough that a dead worker's job waits little past the
    timeout, whatever the heartbeat interval."""
    return min(settings.worker_heartbeat_seconds, settings.stalled_worker_seconds / 3)


async def requeue_stalled_jobs(app: procrastinate.App, *, stalled_after: float) -> list[int]:
    """Hand back to the queue every 'doing' job whose worker has sent no heartbeat for `stalled_after`
    seconds, or whose worker row is gone (pruned by a peer: Procrastinate alone leaves such a job 'doing'
    for good). Returns their ids."""
    requeued = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        assert job.id is not None
        logger.warning("job %s of a stalled worker goes back to the queue", job.id)
        # By id: the lease's guard on retry_job protects this worker's own jobs, not a dead peer's.
        await app.job_manager.retry_job_by_id_async(job.id, retry_at=datetime.datetime.now(datetime.UTC))
        requeued.append(job.id)
    return requeued


async def sweep_stalled_jobs(app: procrastinate.App, *, stalled_after: float, every: float) -> None:
    """Forever, every `every` seconds: `requeue_stalled_jobs`."""
    while True:
        with contextlib.suppress(Exception):  # a failed sweep is retried on the next tick
            await requeue_stalled_jobs(app, stalled_after=stalled_after)
        await asyncio.sleep(every)


# Builds what the tasks need (`service.assessments.runtime.WorkerRuntime`) from the worker's engine, artifact
# store, follow-up job app and name: passed in, so that this adapter imports none of the use cases it runs.
MakeRuntime = Callable[[Engine, ArtifactStore, procrastinate.App, str], Any]


async def work(
    settings: Settings, queues: Sequence[str], make_runtime: MakeRuntime, *, install_signal_handlers: bool = True
) -> None:
    url = resolve_database_url(settings)
    engine = make_engine(url)
    ensure_at_head(engine)
    # Unique per worker, threads of one process included: an experiment records which worker ran it.
    name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    # Tasks run in threads and queue follow-up jobs (learning-curve points, a resumed assessment) with the
    # sync API, which needs an app opened for sync use; the worker's own app is opened async.
    follow_ups = make_job_app(url)
    follow_ups.open()
    runtime = make_runtime(engine, ArtifactStore(settings.artifacts_path), follow_ups, name)
    app = make_job_app(url, heartbeat_seconds=settings.worker_heartbeat_seconds)
    async with app.open_async():
        sweeper = asyncio.create_task(
            sweep_stalled_jobs(app, stalled_after=settings.stalled_worker_seconds, every=sweep_interval(settings))
        )
        try:
            await app.run_worker_async(
                queues=list(queues),
                name=name,
                concurrency=1,  # assessments are CPU/GPU-bound: one at a time per worker process
                additional_context={"runtime": runtime},
                update_heartbeat_interval=settings.worker_heartbeat_seconds,
                stalled_worker_timeout=settings.stalled_worker_seconds,
                fetch_job_polling_interval=FETCH_POLLING_INTERVAL,
                install_signal_handlers=install_signal_handlers,
            )
        finally:
            sweeper.cancel()
            if isinstance(app.job_manager, LeasedJobManager):
                app.job_manager.stop_heartbeat()  # also when the worker ends without unregistering
            follow_ups.close()
            engine.dispose()


def check_queues(queues: Sequence[str]) -> list[str]:
    unknown = [q for q in queues if not is_known_queue(q)]
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUES)}")
    return list(queues) or list(QUEUES)


def run_worker(settings: Settings, make_runtime: MakeRuntime, queues: Sequence[str] = QUEUES) -> None:
    """Block, working the queues until SIGINT/SIGTERM."""
    asyncio.run(work(settings, check_queues(queues), make_runtime))


class WorkerThread:
    """A worker on a background thread of this process (for `readiness serve` and tests)."""

    def __init__(self, settings: Settings, make_runtime: MakeRuntime, queues: Sequence[str] = QUEUES) -> None:
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(settings, check_queues(queues), make_runtime), name="readiness-worker", daemon=True
        )

    def _run(self, settings: Settings, queues: list[str], make_runtime: MakeRuntime) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(work(settings, queues, make_runtime, install_signal_handlers=False))
        self._ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)

    def start(self) -> WorkerThread:
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout)


def run_worker_in_thread(
    settings: Settings, make_runtime: MakeRuntime, queues: Sequence[str] = QUEUES
) -> WorkerThread:
    return WorkerThread(settings, make_runtime, queues).start()
