"""Who gets in, and what they see: API keys (stored hashed) and a team's projects hidden from others."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.auth import create_key
from service.database.engine import session_scope
from service.models import ApiKey, Assessment, Dataset, Project, Split, Team
from service.models.base import utcnow
from tests.service.test_api_harness import (
    API,
    assert_error,
    bearer,
    count_rows,
    make_project,
    upload,
)


def test_keys_are_stored_as_hashes_and_teams_made_once(engine: Engine) -> None:
    first = create_key(engine, team_name="team-a", name="laptop")
    second = create_key(engine, team_name="team-a", name="ci", admin=True)
    assert first.startswith("rdy_") and first != second
    with session_scope(engine) as session:
        keys = session.scalars(select(ApiKey).order_by(ApiKey.name)).all()
        assert [k.key_hash for k in keys] == [hashlib.sha256(k.encode()).hexdigest() for k in (second, first)]
        assert [k.prefix for k in keys] == [second[:12], first[:12]]
        assert [k.is_admin for k in keys] == [True, False]
    assert count_rows(engine, Team) == 1


def test_every_route_but_health_and_docs_needs_a_valid_key(client: TestClient, engine: Engine) -> None:
    key = create_key(engine, team_name="team-a", name="soon revoked")
    ok = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{API}/projects", headers=ok).status_code == 200
    with session_scope(engine) as session:
        session.scalar(select(ApiKey)).revoked_at = utcnow()
    for headers in (
        {},
        {"Authorization": "Bearer rdy_not-a-key"},
        {"Authorization": f"Basic {key}"},
        ok,  # revoked now
    ):
        answer = client.get(f"{API}/projects", headers=headers)
        assert_error(answer, 401, "unauthorized")
        assert answer.headers["www-authenticate"] == "Bearer"
    assert "revoked" in client.get(f"{API}/projects", headers=ok).json()["detail"]
    some_id = "00000000-0000-0000-0000-000000000000"
    for method, path in [
        ("post", "/projects"),
        ("get", f"/projects/{some_id}"),
        ("patch", f"/projects/{some_id}"),
        ("post", f"/projects/{some_id}/datasets"),
        ("get", f"/datasets/{some_id}"),
        ("post", f"/projects/{some_id}/assessments"),
        ("get", f"/assessments/{some_id}"),
        ("post", f"/assessments/{some_id}/cancel"),
        ("get", f"/splits/{some_id}/ledger"),
        ("post", f"/splits/{some_id}/budget"),
    ]:
        assert_error(client.request(method, API + path), 401, "unauthorized")
    assert client.get(f"{API}/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


@pytest.fixture
def team_a_world(client: TestClient, engine: Engine) -> dict[str, Any]:
    """Team A's project, dataset, queued assessment and (as a worker would make it) split."""
    headers = bearer(engine, "team-a")
    project = make_project(client, headers, name="a's secret project")
    dataset = upload(client, headers, project["id"]).json()
    started = client.post(
        f"{API}/projects/{project['id']}/assessments",
        json={"dataset_id": dataset["id"], "run_deep": False},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset["id"], seed=1, split_hash="0" * 16, sizes={}, test_budget=3)
        session.add(split)
        session.flush()
        split_id = str(split.id)
    return {
        "project": project["id"],
        "dataset": dataset["id"],
        "assessment": started.json()["id"],
        "split": split_id,
    }


def test_another_team_sees_nothing_of_a_project_and_cannot_act_on_it(
    client: TestClient, engine: Engine, team_a_world: dict[str, Any]
) -> None:
    b = bearer(engine, "team-b")
    ids = team_a_world
    unknown = "00000000-0000-0000-0000-000000000000"
    for path in (
        f"/projects/{ids['project']}",
        f"/projects/{ids['project']}/datasets",
        f"/projects/{ids['project']}/assessments",
        f"/datasets/{ids['dataset']}",
        f"/datasets/{ids['dataset']}/splits",
        f"/assessments/{ids['assessment']}",
        f"/splits/{ids['split']}",
        f"/splits/{ids['split']}/ledger",
    ):
        theirs = assert_error(client.get(API + path, headers=b), 404, "not_found")
        absent = assert_error(
            client.get(API + path.replace(path.split("/")[2], unknown), headers=b), 404, "not_found"
        )
        # Identical but for the id itself: nothing tells B the project exists.
        assert theirs["detail"].replace(path.split("/")[2], "ID") == absent["detail"].replace(unknown, "ID")
    assert client.get(f"{API}/projects", headers=b).json() == {"data": [], "count": 0}
    writes = [
        client.patch(f"{API}/projects/{ids['project']}", json={"name": "mine now"}, headers=b),
        upload(client, b, ids["project"]),
        client.post(
            f"{API}/projects/{ids['project']}/assessments", json={"dataset_id": ids["dataset"]}, headers=b
        ),
        client.post(f"{API}/assessments/{ids['assessment']}/cancel", headers=b),
        client.post(f"{API}/splits/{ids['split']}/budget", json={"new_limit": 9, "reason": "x"}, headers=b),
    ]
    for answer in writes:
        assert_error(answer, 404, "not_found")
    # B's own project cannot borrow A's dataset either.
    own = make_project(client, b)
    assert_error(
        client.post(
            f"{API}/projects/{own['id']}/assessments", json={"dataset_id": ids["dataset"]}, headers=b
        ),
        404,
        "not_found",
    )
    assert (count_rows(engine, Dataset), count_rows(engine, Assessment)) == (1, 1)
    with session_scope(engine) as session:
        assert session.get(Project, ids["project"]).name == "a's secret project"
        assert session.get(Split, ids["split"]).test_budget == 3
