"""Every POST carries the session's CSRF token, and a team sees, and changes, only its own records: another
team's ids answer exactly like unknown ones, on every page and every form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.database.engine import session_scope
from service.models import Assessment, Dataset, Project
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, project_with_assessment, sign_in
from tests.service.test_api_harness import BREAST_CANCER, running_api


def _projects(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Project)) or 0)


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_post_without_the_sessions_token_is_refused_and_changes_nothing(
    app_client: TestClient, engine: Engine, token: str | None
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    data = {"name": "forged"} | ({"csrf_token": token} if token is not None else {})
    answer = app_client.post("/projects/new", data=data)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html") and "security token" in answer.text
    assert _projects(engine) == 0
    assert app_client.post("/logout", data=data).status_code == 403
    assert app_client.get("/projects").status_code == 200  # still signed in


def test_another_sessions_token_does_not_pass(
    settings: Settings, app_client: TestClient, engine: Engine
) -> None:
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    with running_api(settings) as other:
        other.follow_redirects = False
        sign_in(other, key)
        foreign = csrf_token(other)
    assert foreign != csrf_token(app_client)
    assert app_client.post("/projects/new", data={"csrf_token": foreign, "name": "x"}).status_code == 403


def test_scripts_may_send_the_token_as_a_header(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    _, assessment_id = project_with_assessment(engine, settings, "team-a")
    sign_in(app_client, new_key(engine, "team-a"))
    token = csrf_token(app_client)
    answer = app_client.post(f"/assessments/{assessment_id}/cancel", headers={"X-CSRF-Token": token})
    assert answer.status_code == 303
    with session_scope(engine) as session:
        assert session.get(Assessment, assessment_id).cancel_requested


def test_team_b_sees_none_of_team_as_pages(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    project_id, assessment_id = project_with_assessment(
        engine, settings, "team-a", report={"verdict": {"code": "inconclusive", "summary": "secret"}}
    )
    sign_in(app_client, new_key(engine, "team-b"))
    for path in (
        f"/projects/{project_id}",
        f"/projects/{project_id}/assessments",
        f"/projects/{project_id}/assessments/new",
        f"/projects/{project_id}/datasets/new",
        f"/assessments/{assessment_id}",
        f"/assessments/{assessment_id}/progress",
        f"/assessments/{assessment_id}/report.html",
        f"/assessments/{assessment_id}/report.json",
        "/projects/not-a-uuid",
        "/assessments/00000000-0000-0000-0000-000000000000",
    ):
        answer = app_client.get(path)
        assert answer.status_code == 404, path
        assert "secret" not in answer.text and "breast_cancer" not in answer.text, path
    listing = app_client.get("/projects")
    assert listing.status_code == 200 and project_id not in listing.text and "No projects yet" in listing.text


def test_team_b_cannot_post_to_team_as_records(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    project_id, assessment_id = project_with_assessment(engine, settings, "team-a")
    sign_in(app_client, new_key(engine, "team-b"))
    token = csrf_token(app_client)  # team B's own, valid token: the refusal is about whose records they are
    posts = {
        f"/projects/{project_id}/answers": {"dataset.labels_available": "no"},
        f"/projects/{project_id}/assessments/new": {"dataset_id": "x"},
        f"/assessments/{assessment_id}/cancel": {},
    }
    for path, data in posts.items():
        assert app_client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    upload = app_client.post(
        f"/projects/{project_id}/datasets/new",
        data={"csrf_token": token, "target": "diagnosis"},
        files={"file": ("b.csv", BREAST_CANCER.read_bytes(), "text/csv")},
    )
    assert upload.status_code == 404
    with session_scope(engine) as session:
        project = session.get(Project, project_id)
        assert project.answers is None
        assert not session.get(Assessment, assessment_id).cancel_requested
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
        assert session.scalar(select(func.count()).select_from(Assessment)) == 1
