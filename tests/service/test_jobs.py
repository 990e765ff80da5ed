"""Assessment jobs through Procrastinate on the real embedded Postgres, with real workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text

from service.artifacts import ArtifactStore
from service.assessments.runtime import run_worker_in_thread
from service.assessments.submit import request_cancel, submit_assessment
from service.database.engine import session_scope
from service.ledger.looks import spend_look
from service.ledger.raising import raise_budget
from service.models import (
    Assessment,
    AssessmentStatus,
    BudgetChange,
    Experiment,
    ExperimentKind,
    Split,
    StageOutput,
    TestLook,
)
from service.settings import Settings
from tests.factories import churn_frame, write_csv
from tests.service.records import project_with_dataset
from workers.assessment.runner import STAGE_NAMES
from workers.errors import InvalidOption, TestBudgetExhausted
from workers.report.html import render_html

ROOT = Path(__file__).resolve().parents[2]
FINAL = (AssessmentStatus.succeeded, AssessmentStatus.failed, AssessmentStatus.cancelled)


def _wait(engine: Engine, assessment_id, *, until, timeout: float = 240.0) -> Assessment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            row = session.get(Assessment, assessment_id)
            session.expunge(row)
        if until(row):
            return row
        time.sleep(0.3)
    raise AssertionError(f"assessment still {row.status} at stage {row.stage} after {timeout} s")


def _submit(
    settings: Settings,
    engine: Engine,
    job_app,
    path: Path,
    *,
    target: str,
    options: dict,
    positive: str | None = None,
) -> Assessment:
    """A project with this file as its dataset, and a queued assessment of it."""
    project, dataset = project_with_dataset(
        engine, ArtifactStore(settings.artifacts_path), path, target=target, positive=positive
    )
    return submit_assessment(
        engine, job_app, project=project, dataset=dataset, who="test", options=options, settings=settings
    )


def train_deep_for(engine: Engine, assessment_id, epochs: int) -> None:
    """Make a queued assessment's deep model train exactly `epochs` epochs (no early stopping): long
    enough that a test can act while it trains, however fast the machine. The API does not expose
    patience; the assessment's stored configuration carries it to the worker."""
    with session_scope(engine) as session:
        row = session.get(Assessment, assessment_id)
        row.config = {**row.config, "deep_params": {"max_epochs": epochs, "patience": epochs}}


def _count(engine: Engine, model, *where) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_worker_runs_an_assessment_and_records_one_test_look(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    submitted = _submit(
        settings,
        engine,
        job_app,
        ROOT / "examples" / "breast_cancer.csv",
        target="diagnosis",
        positive="malignant",
        options={"run_deep": False, "n_resamples": 200},
    )
    assert submitted.status == AssessmentStatus.queued and submitted.job_id is not None
    worker = run_worker_in_thread(settings)
    try:
        done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL)
    finally:
        worker.stop()
    assert done.status == AssessmentStatus.succeeded, done.error_detail
    assert done.report["test_budget"] == {"limit": 3, "used": 1}
    assert done.report["dataset"]["rows"] == 569
    assert _count(engine, TestLook) == 1
    assert _count(engine, StageOutput, StageOutput.assessment_id == done.id) == len(STAGE_NAMES)
    # The learning curve's three points (the best baseline on 10/25/50% of train) ran as jobs of their own
    # and the assessment resumed after them; its three models are in the journal too.
    assert _count(engine, Experiment, Experiment.kind == ExperimentKind.learning_curve) == 3
    assert _count(engine, Experiment, Experiment.kind == ExperimentKind.assessment) == 3
    assert done.report["learning_curves"] is not None
    # What the user waited for: the stages plus the wait for the points' jobs, and the job's CPU.
    elapsed = done.report["elapsed"]
    assert elapsed["wall_seconds"] >= elapsed["stage_seconds"] + elapsed["waiting_seconds"] - 1e-6
    assert elapsed["waiting_seconds"] > 0 and elapsed["cpu_seconds"] > 0
    assert set(done.report["cpu_timings"]) == set(STAGE_NAMES) - {"report"}  # it cannot time itself
    assert "From submission to report" in render_html(done.report)


def test_bad_data_fails_once_with_its_reason(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    frame = churn_frame(300)
    # Only an ID column and a leak: nothing is left to learn from once the checks have run.
    # Distinct refund values on every row: a two-valued leak alone would leave too few distinct rows to
    # split at all, which is refused at upload, before any job.
    frame = frame[["customer_id", "churned"]].assign(
        refund=np.where(frame["churned"] == "yes", 10.0, 0.0) + np.random.default_rng(0).uniform(0, 1, len(frame))
    )
    submitted = _submit(
        settings, engine, job_app, write_csv(frame, tmp_path), target="churned", options={"run_deep": False}
    )
    worker = run_worker_in_thread(settings)
    try:
        done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL)
    finally:
        worker.stop()
    assert done.status == AssessmentStatus.failed
    assert done.error_code == "no_usable_features" and "left out" in done.error_detail
    with engine.connect() as connection:
        attempts, retries = connection.execute(
            text(
                "SELECT j.attempts, count(e.id) FILTER (WHERE e.type = 'deferred_for_retry') "
                "FROM procrastinate_jobs j LEFT JOIN procrastinate_events e ON e.job_id = j.id "
                "WHERE j.id = :id GROUP BY j.attempts"
            ),
            {"id": done.job_id},
        ).one()
    assert (attempts, retries) == (1, 0)  # one attempt, failed with its reason; never retried


def test_cancelling_a_running_assessment_stops_it_before_the_test_look(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    # The trainer's own tests show the stop lands at a batch boundary; here: a running job, cancelled
    # through the service, ends cancelled with no report and without spending the test budget.
    submitted = _submit(
        settings,
        engine,
        job_app,
        write_csv(churn_frame(6000, seed=5), tmp_path),
        target="churned",
        options={"device": "cpu", "max_epochs": 500, "n_resamples": 200},
    )
    worker = run_worker_in_thread(settings)
    try:
        _wait(engine, submitted.id, until=lambda a: a.stage in ("baselines", "deep_model"), timeout=180)
        request_cancel(engine, job_app, submitted)
        done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL, timeout=60)
    finally:
        worker.stop()
    assert done.status == AssessmentStatus.cancelled
    assert done.stage in ("baselines", "deep_model") and done.report is None
    assert _count(engine, TestLook) == 0


def test_ten_concurrent_looks_on_a_budget_of_three_write_three_rows(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    artifacts = ArtifactStore(settings.artifacts_path)
    _, dataset = project_with_dataset(
        engine, artifacts, write_csv(churn_frame(200), tmp_path), target="churned"
    )
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset.id, seed=1, split_hash="h", sizes={}, test_budget=3)
        session.add(split)
    outcomes: list[str] = []
    barrier = threading.Barrier(10)

    def look(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                row = session.scalar(select(Split).where(Split.id == split.id).with_for_update())
                spend_look(session, row, key=f"look-{i}", who="test", reason="concurrency test")
            outcomes.append("ok")
        except TestBudgetExhausted:
            outcomes.append("refused")

    threads = [threading.Thread(target=look, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 7
    assert _count(engine, TestLook, TestLook.split_id == split.id) == 3
    with pytest.raises(InvalidOption, match="reason"):
        raise_budget(engine, split=split, new_limit=5, reason=" ", who="lead")
    raised = raise_budget(
        engine, split=split, new_limit=5, reason="second model family agreed with the lead", who="lead"
    )
    assert raised.test_budget == 5
    assert _count(engine, BudgetChange, BudgetChange.split_id == split.id) == 1


def _worker_process(settings: Settings, log: Path, *, stalled_seconds: float = 4) -> subprocess.Popen:
    env = {
        **os.environ,
        "READINESS_DATABASE_URL": settings.database_url or "",
        "READINESS_HOME": str(settings.home),
        "READINESS_WORKER_HEARTBEAT_SECONDS": "1",
        "READINESS_STALLED_WORKER_SECONDS": str(stalled_seconds),
        "OMP_NUM_THREADS": "1",
    }
    script = Path(sys.executable).parent / "readiness"
    command = [str(script)] if script.exists() else ["readiness"]
    return subprocess.Popen([*command, "worker"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_training_loses_nothing(
    settings: Settings, engine: Engine, job_app, tmp_path: Path
) -> None:
    submitted = _submit(
        settings,
        engine,
        job_app,
        write_csv(churn_frame(4000, seed=9), tmp_path),
        target="churned",
        options={"device": "cpu", "max_epochs": 60, "n_resamples": 200},
    )
    train_deep_for(engine, submitted.id, 300)  # killed mid-training, not after it
    log = tmp_path / "workers.log"
    first = _worker_process(settings, log)
    try:
        _wait(
            engine,
            submitted.id,
            until=lambda a: a.stage == "deep_model" and (a.progress_detail or {}).get("epoch", 0) >= 2,
            timeout=180,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.time()
        with session_scope(engine) as session:
            before = {
                row.stage: row.created_at
                for row in session.scalars(
                    select(StageOutput).where(StageOutput.assessment_id == submitted.id)
                )
            }
        assert set(before) == {"profile", "split", "checks", "baselines"}
        second = _worker_process(settings, log)
        try:
            done = _wait(engine, submitted.id, until=lambda a: a.status in FINAL, timeout=300)
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    assert done.status == AssessmentStatus.succeeded, log.read_text()[-3000:]
    with session_scope(engine) as session:
        after = {
            row.stage: row.created_at
            for row in session.scalars(select(StageOutput).where(StageOutput.assessment_id == submitted.id))
        }
    assert set(after) == set(STAGE_NAMES)
    assert all(after[stage] == created for stage, created in before.items())  # not redone
    assert all(after[stage].timestamp() >= killed_at - 1 for stage in set(after) - set(before))
    assert _count(engine, TestLook) == 1
    report = done.report
    assert [m["name"] for m in report["models"]][-2:] == ["ResNet MLP", "TabM"]  # both deep families
    assert report["test_budget"]["used"] == 1
