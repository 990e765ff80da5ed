"""Starting, reading, listing and cancelling assessments over HTTP (queued jobs; no worker here)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.database.engine import session_scope
from service.models import Assessment
from tests.service.test_api_harness import (
    API,
    assert_error,
    bearer,
    count_rows,
    make_project,
    upload,
)


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a", name="laptop")


@pytest.fixture
def dataset(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    project = make_project(client, headers)
    return upload(client, headers, project["id"]).json()


def _start(client: TestClient, headers: dict[str, str], dataset: dict[str, Any], **options: Any):
    return client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], **options},
        headers=headers,
    )


def test_an_assessment_is_queued_with_a_location_to_poll(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any], engine: Engine
) -> None:
    answer = _start(client, headers, dataset, seed=7, run_deep=False, n_resamples=200)
    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert answer.headers["location"] == f"{API}/assessments/{started['id']}"
    assert started["status"] == "queued" and started["queue"] == "cpu"
    assert (started["error"], started["report"]) == (None, None)
    assert started["config"]["seed"] == 7 and started["config"]["run_deep"] is False
    assert "laptop" in started["created_by"]
    polled = client.get(answer.headers["location"], headers=headers).json()
    assert polled["id"] == started["id"] and polled["status"] == "queued"
    listed = client.get(f"{API}/projects/{dataset['project_id']}/assessments", headers=headers).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == started["id"]
    assert "report" not in listed["data"][0]
    with session_scope(engine) as session:
        assert session.get(Assessment, started["id"]).job_id is not None  # deferred to the queue


def test_a_queued_assessment_is_cancelled_at_once_and_only_once(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    started = _start(client, headers, dataset, run_deep=False).json()
    answer = client.post(f"{API}/assessments/{started['id']}/cancel", headers=headers)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "cancelled" and answer.json()["cancel_requested"] is True
    again = client.post(f"{API}/assessments/{started['id']}/cancel", headers=headers)
    assert "nothing to cancel" in assert_error(again, 409, "assessment_finished")["detail"]


@pytest.mark.parametrize(
    ("options", "status", "code", "named"),
    [
        ({"device": "tpu"}, 422, "invalid_request", "device"),
        ({"n_resamples": 10}, 422, "invalid_request", "n_resamples"),
        ({"max_epoch": 3}, 422, "invalid_request", "max_epoch"),
        ({"keep_columns": ["no_such_column"]}, 422, "invalid_option", "no_such_column"),
    ],
)
def test_bad_options_are_refused_before_anything_is_queued(
    client: TestClient,
    headers: dict[str, str],
    dataset: dict[str, Any],
    engine: Engine,
    options: dict[str, Any],
    status: int,
    code: str,
    named: str,
) -> None:
    body = assert_error(_start(client, headers, dataset, **options), status, code)
    assert named in body["detail"]
    assert count_rows(engine, Assessment) == 0


def test_a_dataset_of_another_project_or_an_unknown_one_is_404(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any], engine: Engine
) -> None:
    other = make_project(client, headers, name="other")
    moved = dataset | {"project_id": other["id"]}
    assert_error(_start(client, headers, moved), 404, "not_found")
    unknown = dataset | {"id": "00000000-0000-0000-0000-000000000000"}
    assert_error(_start(client, headers, unknown), 404, "not_found")
    assert_error(client.get(f"{API}/assessments/not-a-uuid", headers=headers), 404, "not_found")
    assert count_rows(engine, Assessment) == 0
