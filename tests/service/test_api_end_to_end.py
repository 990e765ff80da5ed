"""The whole path by HTTP with a real worker: upload → assessment → poll → report, and the records the
report leaves (split, ledger, project readiness) are the rows everything else reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.assessments.runtime import run_worker_in_thread
from service.database.engine import session_scope
from service.models import Assessment, Project, TestLook
from service.settings import Settings
from tests.service.test_api_harness import API, bearer, make_project, running_api, upload

REPORT_KEYS = {
    "dataset",
    "checks",
    "split",
    "readiness",
    "models",
    "comparison",
    "verdict",
    "test_budget",
    "timings",
}
FINISHED = {"succeeded", "failed", "cancelled"}
POLL_TIMEOUT = 180.0  # seconds


@pytest.fixture
def worker(settings: Settings) -> Iterator[None]:
    handle = run_worker_in_thread(settings)
    yield
    handle.stop()


def _poll(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        assessment = client.get(url, headers=headers).json()
        if assessment["status"] in FINISHED:
            return assessment
        time.sleep(0.5)
    raise AssertionError(
        f"still {assessment['status']} at stage {assessment['stage']} after {POLL_TIMEOUT} s"
    )


def test_upload_assess_and_read_the_report_by_http(settings: Settings, engine: Engine, worker: None) -> None:
    with running_api(settings) as client:
        headers = bearer(engine, "team-a")
        project = make_project(client, headers, answers={"dataset": {"labels_available": True}})
        dataset = upload(client, headers, project["id"]).json()
        started = client.post(
            f"{API}/projects/{project['id']}/assessments",
            json={"dataset_id": dataset["id"], "max_epochs": 3, "n_resamples": 200, "device": "cpu"},
            headers=headers,
        )
        assert started.status_code == 202, started.text

        done = _poll(client, started.headers["location"], headers)
        assert done["status"] == "succeeded", done["error"]
        report = done["report"]
        assert set(report) >= REPORT_KEYS
        assert report["dataset"]["sha256"] == dataset["sha256"] and report["dataset"]["rows"] == 569
        assert report["test_budget"]["used"] == 1
        assert {m["family"] for m in report["models"]} == {"baseline", "deep"}
        assert done["progress"] == 1.0 and done["error"] is None

        split = client.get(f"{API}/splits/{done['split_id']}", headers=headers).json()
        assert split["budget"]["used"] == 1 and split["seed"] == report["split"]["seed"]
        ledger = client.get(f"{API}/splits/{done['split_id']}/ledger", headers=headers).json()
        assert [look["assessment_id"] for look in ledger["data"]] == [done["id"]]
        rescored = client.get(f"{API}/projects/{project['id']}", headers=headers).json()
        assert rescored["readiness"] == report["readiness"]  # evidence now backs the scores

    # What the CLI and the dashboard read is these same rows.
    with session_scope(engine) as session:
        row = session.get(Assessment, done["id"])
        assert (row.status.value, row.report) == ("succeeded", report)
        assert session.get(Project, project["id"]).readiness == report["readiness"]
        looks = session.scalars(select(TestLook).where(TestLook.split_id == row.split_id)).all()
        assert [look.assessment_id for look in looks] == [row.id]
