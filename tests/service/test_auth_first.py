"""Issue 17, item 2: an upload without a valid key is answered 401 before its body is read.

Against a live uvicorn on loopback (FastAPI reads a multipart body before it solves dependencies, so only a
real server shows how much of the body was taken in): the client streams a large body from a generator
and counts what it was asked for; the answer comes after a small part of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from service.auth import create_key
from service.models import Dataset
from tests.dashboard.live_server import LiveServer, live_server

CHUNK = 64 * 1024
TOTAL = 400 * 1024 * 1024  # far more than any socket buffer between client and server
AT_MOST = 32 * 1024 * 1024  # what loopback buffers may absorb before the server answers
BOUNDARY = "readinessboundary"


@pytest.fixture
def server(postgres_server: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(postgres_server, tmp_path / "home", with_worker=False) as live:
        yield live


class CountedBody:
    """A multipart body produced chunk by chunk; `sent` is how much of it the client was asked for."""

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\na,b,label\r\n"
        ).encode()
        self.sent += len(head)
        yield head
        row = b"1,2,yes\r\n" * (CHUNK // 9)
        while self.sent < TOTAL:
            self.sent += len(row)
            yield row


def _upload(server: LiveServer, headers: dict[str, str]) -> tuple[httpx.Response, int]:
    body = CountedBody()
    url = f"{server.base_url}/api/v1/projects/{uuid.uuid4()}/datasets?target=label"
    with httpx.Client(timeout=60) as client:
        response = client.post(
            url,
            content=iter(body),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
        )
    return response, body.sent


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer rdy_not-a-key"}, {"authorization": "Basic dXNlcjpwYXNz"}],
    ids=["anonymous", "wrong-key", "not-bearer"],
)
def test_upload_without_a_valid_key_is_refused_before_its_body_is_read(
    server: LiveServer, headers: dict[str, str]
) -> None:
    response, sent = _upload(server, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert sent < AT_MOST, f"the client was made to send {sent:,} bytes before the 401"
    with Session(server.engine) as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert (
        not any((server.settings.home / "uploads").glob("*"))
        if (server.settings.home / "uploads").exists()
        else True
    )


def test_revoked_key_is_refused_before_the_body_and_a_valid_key_reaches_the_route(server: LiveServer) -> None:
    key = create_key(server.engine, team_name="t", name="k")
    with httpx.Client(timeout=30) as client:
        # A valid key passes the early check: the route answers (here: an unknown project, 404).
        answer = client.post(
            f"{server.base_url}/api/v1/projects/{uuid.uuid4()}/datasets?target=label",
            files={"file": ("a.csv", b"a,label\n1,yes\n")},
            headers={"authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 404, answer.text
        # Health, the docs and unknown paths need no key and keep their own answers.
        assert client.get(f"{server.base_url}/api/v1/health").status_code == 200
        assert client.get(f"{server.base_url}/openapi.json").status_code == 200
        unknown = client.get(f"{server.base_url}/api/v1/no-such-thing")
        assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
        # A JSON route is refused the same way, with the same body.
        refused = client.post(f"{server.base_url}/api/v1/projects", json={"name": "p"})
        assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
