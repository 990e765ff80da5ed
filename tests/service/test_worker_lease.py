"""A live worker keeps its job, on a busy machine too; a worker that lost its job stops it; a job whose
worker is gone is taken over. Real worker processes on the real embedded Postgres."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, select, text

from service.database.engine import session_scope
from service.jobs.app import make_job_app, private_queue
from service.jobs.worker import requeue_stalled_jobs
from service.models import AssessmentStatus, StageOutput, TestLook
from service.settings import Settings
from tests.factories import churn_frame, write_csv
from tests.service.test_jobs import FINAL, _count, _submit, _wait, _worker_process, train_deep_for
from workers.assessment.runner import STAGE_NAMES

BUSY_LOOPS_PER_CORE = 4
BUSY_SECONDS = 900  # an upper bound: the loops are killed as soon as the test ends
# Small enough for the suite, with every stage and a deep model that trains for a few epochs.
OPTIONS = {"device": "cpu", "max_epochs": 6, "n_resamples": 200, "learning_curve": False}


@contextmanager
def busy_cpu(loops_per_core: int = BUSY_LOOPS_PER_CORE) -> Iterator[None]:
    """Every core oversubscribed by busy loops, as on a shared GPU host; the loops end with the block."""
    # One process per loop, so killing it ends the loop (a loop under `timeout` would outlive a killed
    # `timeout`); each also ends by itself after BUSY_SECONDS.
    loop = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end: pass"
    loops = [
        subprocess.Popen([sys.executable, "-c", loop]) for _ in range(loops_per_core * (os.cpu_count() or 1))
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait()


def _job_history(engine: Engine, job_id: int) -> tuple[str, int, int]:
    """The job's status, its attempts and how many times a worker started it."""
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT j.status::text, j.attempts, count(e.id) FILTER (WHERE e.type = 'started') "
                "FROM procrastinate_jobs j LEFT JOIN procrastinate_events e ON e.job_id = j.id "
                "WHERE j.id = :id GROUP BY j.id"
            ),
            {"id": job_id},
        ).one()


def _stage_times(engine: Engine, assessment_id) -> dict[str, object]:
    with session_scope(engine) as session:
        rows = session.scalars(select(StageOutput).where(StageOutput.assessment_id == assessment_id))
        return {row.stage: row.created_at for row in rows}


def _heartbeat_child(worker_pid: int) -> int:
    """The pid of the heartbeat process a worker process started."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if ppid == worker_pid and b"service.jobs.heartbeat" in command:
                return int(entry.name)
        time.sleep(0.2)
    raise AssertionError(f"worker {worker_pid} started no heartbeat process")


def _assessment_file(tmp_path: Path) -> Path:
    return write_csv(churn_frame(1500, seed=4), tmp_path)


def test_an_assessment_on_an_oversubscribed_cpu_finishes_in_one_run(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    # A short stalled timeout makes a late heartbeat show at once: the lease must hold while 4 busy loops
    # per core fight the worker for every core.
    submitted = _submit(
        settings, engine, job_app, _assessment_file(tmp_path), target="churned", options=OPTIONS
    )
    log = tmp_path / "worker.log"
    with busy_cpu():
        worker = _worker_process(settings, log, stalled_seconds=6)
        try:
            done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL, timeout=900)
        finally:
            worker.terminate()
            worker.wait(60)
    output = log.read_text()
    assert done.status == AssessmentStatus.succeeded, output[-3000:]
    assert "stalled worker" not in output and "taken over" not in output
    assert _job_history(engine, done.job_id) == ("succeeded", 1, 1)  # started once, never handed back
    assert set(_stage_times(engine, done.id)) == set(STAGE_NAMES)
    assert _count(engine, TestLook) == 1


def test_a_worker_whose_heartbeat_stops_keeps_its_job_while_its_task_renews(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    stalled = 5  # longer than any stretch between two of the task's boundaries, even on a busy machine
    submitted = _submit(
        settings,
        engine,
        job_app,
        write_csv(churn_frame(4000, seed=9), tmp_path),
        target="churned",
        options=OPTIONS,
    )
    # Long enough that a worker kept alive by its heartbeat alone would be presumed dead twice over.
    train_deep_for(engine, submitted.id, 400)
    log = tmp_path / "worker.log"
    first = _worker_process(settings, log, stalled_seconds=stalled)
    # A second worker whose sweeper would take the job the moment the first looked dead, and run it.
    second = None
    heartbeat = _heartbeat_child(first.pid)
    os.kill(heartbeat, signal.SIGSTOP)  # the heartbeat is silent from now on: only the task renews
    try:
        _wait(engine, submitted.id, until=lambda a: a.status != AssessmentStatus.queued, timeout=120)
        second = _worker_process(settings, log, stalled_seconds=stalled)
        done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL, timeout=600)
    finally:
        os.kill(heartbeat, signal.SIGCONT)
        for worker in (first, second):
            if worker is not None:
                worker.terminate()
                worker.wait(60)
    output = log.read_text()
    assert done.status == AssessmentStatus.succeeded, output[-3000:]
    assert "stalled worker" not in output
    assert _job_history(engine, done.job_id) == ("succeeded", 1, 1)
    # Long enough that a worker kept alive by its heartbeat alone would have been presumed dead twice over.
    assert (done.finished_at - done.started_at).total_seconds() > 2 * stalled
    assert _count(engine, TestLook) == 1


def test_a_worker_that_lost_its_job_stops_it_and_the_job_resumes_where_it_was(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    submitted = _submit(
        settings,
        engine,
        job_app,
        _assessment_file(tmp_path),
        target="churned",
        options=OPTIONS,
    )
    train_deep_for(engine, submitted.id, 200)  # still training when the job is taken away
    log = tmp_path / "worker.log"
    worker = _worker_process(settings, log, stalled_seconds=30)
    try:
        _wait(
            engine,
            submitted.id,
            until=lambda a: a.stage == "deep_model" and (a.progress_detail or {}).get("epoch", 0) >= 1,
            timeout=300,
        )
        before = _stage_times(engine, submitted.id)
        # What a peer's sweeper does to a worker it presumes dead: the job goes back to the queue while
        # this worker is still training it.
        job_app.job_manager.retry_job_by_id(submitted.job_id, retry_at=None)
        done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL, timeout=600)
    finally:
        worker.terminate()
        worker.wait(60)
    output = log.read_text()
    assert done.status == AssessmentStatus.succeeded, output[-3000:]
    assert "taken over by another worker" in output  # the first run stopped itself
    after = _stage_times(engine, done.id)
    assert set(before) == {"profile", "split", "checks", "baselines"}
    assert all(after[stage] == created for stage, created in before.items())  # resumed, not redone
    assert set(after) == set(STAGE_NAMES)
    assert _count(engine, TestLook) == 1
    status, _, started = _job_history(engine, done.job_id)
    assert (status, started) == ("succeeded", 2)


def test_a_running_job_whose_worker_row_was_pruned_goes_back_to_the_queue(settings: Settings) -> None:
    async def scenario() -> tuple[str, list[int], str]:
        app = make_job_app(settings.database_url or "")
        async with app.open_async():
            queue = private_queue()
            job_id = await app.configure_task("readiness.run_assessment", queue=queue).defer_async(
                assessment_id="00000000-0000-0000-0000-000000000000"
            )
            worker_id = await app.job_manager.register_worker()
            job = await app.job_manager.fetch_job(queues=[queue], worker_id=worker_id)
            assert job is not None and job.id == job_id
            # A peer prunes the worker (its heartbeat came late): Procrastinate sets the job's worker to NULL
            # and nothing of its own ever picks the job up again.
            await app.job_manager.prune_stalled_workers(-1)
            pruned = await _status(app, job_id)
            requeued = await requeue_stalled_jobs(app, stalled_after=3600)
            return pruned, requeued, await _status(app, job_id)

    async def _status(app, job_id: int) -> str:
        row = await app.connector.execute_query_one_async(
            "SELECT status::text AS status, worker_id FROM procrastinate_jobs WHERE id = %(id)s", id=job_id
        )
        return f"{row['status']}/{row['worker_id']}"

    pruned, requeued, after = asyncio.run(scenario())
    assert pruned == "doing/None"
    assert len(requeued) == 1 and after == "todo/None"

