"""The Procrastinate app: queues `cpu` and `gpu`, the assessment and experiment tasks."""

from __future__ import annotations

import logging
import uuid

import procrastinate
from procrastinate import RetryStrategy

from service.database.engine import libpq_url
from service.jobs.lease import JobTaken, LeasedJobManager

logger = logging.getLogger(__name__)
QUEUES = ("cpu", "gpu")
# A private queue is worked by one process only: `readiness assess` runs exactly its own job this way.
PRIVATE_QUEUE_PREFIX = "private-"


def private_queue() -> str:
    return f"{PRIVATE_QUEUE_PREFIX}{uuid.uuid4().hex[:12]}"


def is_known_queue(name: str) -> bool:
    return name in QUEUES or name.startswith(PRIVATE_QUEUE_PREFIX)


TASK_ATTEMPTS = 3  # a crash (worker killed, database blip) is retried; each retry resumes, never redoes
ASSESSMENT_TASK = "readiness.run_assessment"
EXPERIMENT_TASK = "readiness.run_experiment"


def run_assessment_job(context: procrastinate.JobContext, assessment_id: str) -> str:
    """Run or resume one assessment. User errors end the assessment inside; only crashes reach here."""
    runtime = context.additional_context["runtime"]
    try:
        return runtime.execute(uuid.UUID(assessment_id), runtime.lease(context.job))
    except JobTaken as taken:
        # Not a failure: the job runs on under the worker that took it; nothing more is written here.
        logger.warning("%s", taken)
        return "taken"
    except Exception as error:
        if context.job.attempts + 1 >= TASK_ATTEMPTS:
            runtime.mark_crashed(uuid.UUID(assessment_id), error)
        raise


def run_experiment_job(context: procrastinate.JobContext, experiment_id: str) -> str:
    """Run one experiment (an assessment's learning-curve point, a grid point, or one on its own)."""
    runtime = context.additional_context["runtime"]
    try:
        return runtime.execute_experiment(uuid.UUID(experiment_id), runtime.lease(context.job))
    except JobTaken as taken:
        logger.warning("%s", taken)
        return "taken"
    except Exception as error:
        if context.job.attempts + 1 >= TASK_ATTEMPTS:
            runtime.mark_experiment_crashed(uuid.UUID(experiment_id), error)
        raise


def make_job_app(database_url: str, *, heartbeat_seconds: float | None = None) -> procrastinate.App:
    """The job app over `database_url`. A worker's app passes `heartbeat_seconds`: its job manager then
    holds the lease (`service.jobs.lease`); an app that only queues jobs needs none."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(database_url)))
    if heartbeat_seconds is not None:
        app.job_manager = LeasedJobManager(
            connector=app.connector, url=libpq_url(database_url), heartbeat_seconds=heartbeat_seconds
        )
    # Registered per app, not through a shared Blueprint: adding one Blueprint to two apps in a process
    # (the API's and a worker thread's) renames its tasks in place.
    app.task(
        name=ASSESSMENT_TASK,
        pass_context=True,
        retry=RetryStrategy(max_attempts=TASK_ATTEMPTS, wait=1),
    )(run_assessment_job)
    app.task(
        name=EXPERIMENT_TASK,
        pass_context=True,
        retry=RetryStrategy(max_attempts=TASK_ATTEMPTS, wait=1),
    )(run_experiment_job)
    return app
