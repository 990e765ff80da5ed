"""What the dashboard tests share: signing a test client in, reading forms' hidden tokens, keys, and a
project with an assessment made straight in the database."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from service.artifacts import ArtifactStore
from service.auth import create_key
from service.database.engine import session_scope
from service.models import Assessment, Dataset
from service.settings import Settings
from tests.service.records import project_with_dataset
from tests.service.test_api_harness import BREAST_CANCER

_HIDDEN = r'name="{name}" value="([^"]*)"'


def hidden_value(html: str, name: str) -> str:
    """The value of the form's hidden input `name` (the first one on the page)."""
    match = re.search(_HIDDEN.format(name=re.escape(name)), html)
    assert match, f"no hidden {name!r} on the page"
    return match.group(1)


def new_key(engine: Engine, team: str) -> str:
    return create_key(engine, team_name=team, name="dashboard tests")


def sign_in(client: TestClient, key: str) -> httpx.Response:
    """Sign in through the form, as a person does; returns the redirect the sign-in answers."""
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"api_key": key, "login_token": hidden_value(form.text, "login_token"), "next": "/projects"},
    )
    assert answer.status_code == 303, answer.text
    return answer


def csrf_token(client: TestClient, page: str = "/projects") -> str:
    """The session's CSRF token, as any page's forms carry it."""
    answer = client.get(page)
    assert answer.status_code == 200, answer.text
    return hidden_value(answer.text, "csrf_token")


def project_with_assessment(
    engine: Engine, settings: Settings, team: str, **assessment: Any
) -> tuple[str, str]:
    """A new team's project with the breast-cancer dataset and one assessment row (no job behind it);
    returns their ids. `assessment` sets the row's fields (status, stage, progress_detail, report, …)."""
    project, _ = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
        team=team,
    )
    return str(project.id), add_assessment(engine, str(project.id), **assessment)


def add_assessment(engine: Engine, project_id: str, **fields: Any) -> str:
    """One more assessment row of the project's (first) dataset; returns its id."""
    with session_scope(engine) as session:
        dataset_id = session.scalar(select(Dataset.id).where(Dataset.project_id == project_id).limit(1))
        row = Assessment(project_id=project_id, dataset_id=dataset_id, **({"config": {"seed": 1}} | fields))
        session.add(row)
    return str(row.id)


def insert_assessments(engine: Engine, project_id: str, count: int) -> None:
    """`count` finished assessments of the project's first dataset in one INSERT … SELECT (seconds, not
    minutes, for 10,000). Seeds run 1, 2, 3, … from the newest, one minute apart, so order is checkable."""
    with session_scope(engine) as session:
        session.execute(
            text(
                """
                INSERT INTO assessment (id, project_id, dataset_id, status, queue, progress, cancel_requested,
                                        created_by, created_at, finished_at, config, report)
                SELECT gen_random_uuid(), p.id, d.id, 'succeeded', 'cpu', 1.0, false, 'bulk',
                       now() - n * interval '1 minute', now() - n * interval '1 minute',
                       jsonb_build_object('seed', n),
                       jsonb_build_object('verdict', jsonb_build_object('code', 'simple_model_good_enough'))
                FROM generate_series(1, :count) AS n,
                     project p JOIN LATERAL (SELECT id FROM dataset WHERE project_id = p.id LIMIT 1) d ON true
                WHERE p.id = :project
                """
            ),
            {"count": count, "project": project_id},
        )
