"""Projects over HTTP: create with answers, list with pagination, get, change answers; health and docs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.database.migrate import head_revision
from service.settings import Settings
from tests.service.test_api_harness import API, assert_error, bearer, make_project

ANSWERS = {
    "dataset": {"labels_available": True, "label_source": "existing_records"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
}


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


def test_health_needs_no_key_and_names_the_schema(client: TestClient) -> None:
    answer = client.get(f"{API}/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "schema": head_revision()}


def test_openapi_and_docs_are_public_and_describe_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert client.get("/docs").status_code == 200
    assert {
        f"{API}/projects",
        f"{API}/projects/{{project_id}}/datasets",
        f"{API}/projects/{{project_id}}/assessments",
        f"{API}/assessments/{{assessment_id}}/cancel",
        f"{API}/splits/{{split_id}}/ledger",
        f"{API}/splits/{{split_id}}/budget",
    } <= set(spec["paths"])
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert all(op.get("description") for op in operations), "every route has a docstring"


def test_a_project_is_created_with_readiness_scored_from_its_answers(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = client.post(
        f"{API}/projects", json={"name": "churn", "answers": ANSWERS, "test_budget": 5}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    project = answer.json()
    assert answer.headers["location"] == f"{API}/projects/{project['id']}"
    assert project["test_budget"] == 5
    assert project["answers"]["feasibility"]["target_metric"] == "roc_auc"  # the one default the rubric fills
    assert project["readiness"]["criteria"]["dataset"]["score"] is not None
    assert project["readiness"]["criteria"]["payoff"]["score"] is None  # unanswered, never guessed
    assert client.get(f"{API}/projects/{project['id']}", headers=headers).json() == project


def test_the_default_test_budget_comes_from_the_settings(
    client: TestClient, headers: dict[str, str], settings: Settings
) -> None:
    assert make_project(client, headers)["test_budget"] == settings.default_test_budget


def test_invalid_answers_are_refused_naming_each_field(client: TestClient, headers: dict[str, str]) -> None:
    bad = {"dataset": {"labels_availabel": True}, "payoff": {"value_if_solved": "huge"}}
    body = assert_error(
        client.post(f"{API}/projects", json={"name": "x", "answers": bad}, headers=headers),
        422,
        "invalid_answers",
    )
    assert "dataset.labels_availabel" in body["detail"] and "labels_available" in body["detail"]
    assert "payoff.value_if_solved" in body["detail"]
    assert client.get(f"{API}/projects", headers=headers).json()["count"] == 0


def test_a_malformed_request_names_the_field(client: TestClient, headers: dict[str, str]) -> None:
    body = assert_error(
        client.post(f"{API}/projects", json={"name": "", "test_budget": 0}, headers=headers),
        422,
        "invalid_request",
    )
    assert "'name'" in body["detail"] and "'test_budget'" in body["detail"]
    body = assert_error(
        client.post(
            f"{API}/projects", content=b"{not json", headers=headers | {"content-type": "application/json"}
        ),
        422,
        "invalid_request",
    )
    assert "JSON" in body["detail"]


def test_projects_are_listed_newest_first_a_page_at_a_time(
    client: TestClient, headers: dict[str, str]
) -> None:
    names = [make_project(client, headers, name=f"p{i}")["name"] for i in range(5)]
    first = client.get(f"{API}/projects", params={"limit": 2}, headers=headers).json()
    rest = client.get(f"{API}/projects", params={"limit": 2, "offset": 2}, headers=headers).json()
    last = client.get(f"{API}/projects", params={"limit": 2, "offset": 4}, headers=headers).json()
    assert first["count"] == rest["count"] == last["count"] == 5
    pages = [p["name"] for page in (first, rest, last) for p in page["data"]]
    assert pages == names[::-1]
    body = assert_error(
        client.get(f"{API}/projects", params={"limit": 101}, headers=headers), 422, "invalid_request"
    )
    assert "limit" in body["detail"]


def test_patching_answers_rescores_the_project(client: TestClient, headers: dict[str, str]) -> None:
    project = make_project(client, headers)
    assert project["readiness"]["criteria"]["dataset"]["score"] is None
    answer = client.patch(f"{API}/projects/{project['id']}", json={"answers": ANSWERS}, headers=headers)
    assert answer.status_code == 200, answer.text
    patched = answer.json()
    assert patched["name"] == "churn"
    assert patched["readiness"]["criteria"]["dataset"]["score"] is not None
    assert_error(
        client.patch(
            f"{API}/projects/{project['id']}", json={"answers": {"reuse": {"x": 1}}}, headers=headers
        ),
        422,
        "invalid_answers",
    )
    assert client.get(f"{API}/projects/{project['id']}", headers=headers).json() == patched


def test_unknown_and_malformed_project_ids_are_both_404(client: TestClient, headers: dict[str, str]) -> None:
    unknown = assert_error(
        client.get(f"{API}/projects/00000000-0000-0000-0000-000000000000", headers=headers), 404, "not_found"
    )
    malformed = assert_error(client.get(f"{API}/projects/not-a-uuid", headers=headers), 404, "not_found")
    assert unknown["detail"].endswith("not found") and malformed["detail"].endswith("not found")


def test_unknown_routes_answer_in_the_same_shape(client: TestClient, headers: dict[str, str]) -> None:
    assert_error(client.get(f"{API}/nothing-here", headers=headers), 404, "not_found")
    assert_error(client.delete(f"{API}/projects", headers=headers), 405, "method_not_allowed")
