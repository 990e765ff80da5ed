"""What the API tests share: the app on the test's database, keys of two teams, uploads, row counts.

Plain functions rather than fixtures, so each test module shows the fixtures it builds from them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.app import create_app
from service.auth import create_key
from service.database.engine import session_scope
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BREAST_CANCER = ROOT / "examples" / "breast_cancer.csv"
API = "/api/v1"


@contextmanager
def running_api(settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan (job queue open) for the length of the block."""
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(engine: Engine, team: str, name: str = "tests") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(engine, team_name=team, name=name)}"}


def make_project(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    answer = client.post(f"{API}/projects", json={"name": "churn", **fields}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def upload(
    client: TestClient,
    headers: dict[str, str],
    project_id: str,
    *,
    content: bytes | None = None,
    filename: str = "breast_cancer.csv",
    target: str = "diagnosis",
    positive: str | None = "malignant",
) -> httpx.Response:
    data = {"target": target} | ({"positive": positive} if positive else {})
    body = BREAST_CANCER.read_bytes() if content is None else content
    return client.post(
        f"{API}/projects/{project_id}/datasets",
        files={"file": (filename, body, "text/csv")},
        data=data,
        headers=headers,
    )


def count_rows(engine: Engine, model: Any) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored_files(settings: Settings) -> list[Path]:
    root = settings.artifacts_path
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A 4xx in the API's one shape: {detail, code} (and the field it is about, when it is about one), with
    a detail a person can act on."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) - {"field"} == {"detail", "code"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and len(body["detail"]) > 10, body
    return body
