"""An upload is inspected in a pooled process (service.datasets.apart): while it is, the server answers other
requests; a table that needs more memory than an upload may use is refused with a clear 413 and leaves
nothing behind; a pooled process that dies is replaced."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from service.app import create_app
from service.database.engine import session_scope
from service.datasets.apart import NeedsMoreMemory, ProcessPool
from service.models import Dataset
from service.settings import Settings
from tests.service.test_api_harness import API, bearer, make_project, running_api, upload


def table(rows: int, columns: int = 30) -> bytes:
    """A Parquet table of `rows` × `columns` numbers (few distinct values: a small file, a big table once
    read) and a two-class label."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.integers(0, 50, size=(rows, columns)) / 10, columns=[f"x{i}" for i in range(columns)]
    )
    frame["label"] = np.where(rng.random(rows) < 0.3, "yes", "no")
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, as `readiness serve` runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_other_requests_are_answered_while_an_upload_is_inspected(settings: Settings, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    body = table(300_000)  # a few seconds of parsing, profiling and checks
    with serving(settings) as base, httpx.Client(base_url=base, timeout=120) as http:
        project = http.post(f"{API}/projects", json={"name": "wide"}, headers=headers).json()
        done: list[httpx.Response] = []

        def send() -> None:
            done.append(
                http.post(
                    f"{API}/projects/{project['id']}/datasets",
                    files={"file": ("big.parquet", body, "application/octet-stream")},
                    data={"target": "label"},
                    headers=headers,
                )
            )

        sender = threading.Thread(target=send)
        sender.start()
        answered_meanwhile = 0
        while sender.is_alive():
            with httpx.Client(base_url=base, timeout=60) as other:  # a connection of its own
                health = other.get(f"{API}/health")
                mine = other.get(f"{API}/projects", headers=headers)
            assert health.status_code == 200 and mine.status_code == 200
            answered_meanwhile += sender.is_alive()  # answered before the upload was
        sender.join()
    assert done[0].status_code == 201, done[0].text
    assert done[0].json()["rows"] == 300_000
    assert answered_meanwhile >= 1


def test_an_upload_needing_more_memory_than_allowed_is_refused_and_leaves_nothing(
    settings: Settings, engine: Engine
) -> None:
    # 512 MB in all for the inspection: an idle pooled process holds ~300 MB, this table needs ~1 GB.
    limited = settings.model_copy(update={"upload_memory_multiple": 0.0})
    headers = bearer(engine, "team-a")
    with running_api(limited) as client:
        project = make_project(client, headers)
        answer = client.post(
            f"{API}/projects/{project['id']}/datasets",
            files={"file": ("big.parquet", table(600_000), "application/octet-stream")},
            data={"target": "label"},
            headers=headers,
        )
        assert answer.status_code == 413, answer.text
        assert answer.json()["code"] == "upload_needs_more_memory"
        assert "READINESS_UPLOAD_MEMORY_MULTIPLE" in answer.json()["detail"]
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Dataset)) == 0
        stored = [path for path in Path(limited.artifacts_path).rglob("*") if path.is_file()]
        assert stored == []
        # The next upload, small, is taken in by the same pool.
        small = upload(client, headers, project["id"])
        assert small.status_code == 201, small.text


def _die() -> None:
    os._exit(9)  # as a process the kernel killed for memory


def _pid() -> int:
    return os.getpid()


def test_a_pooled_process_that_dies_is_answered_as_memory_and_replaced() -> None:
    pool = ProcessPool(1)
    try:
        first = pool.run(_pid)
        with pytest.raises(NeedsMoreMemory):
            pool.run(_die)
        assert pool.run(_pid) != first  # a fresh process serves the next upload
    finally:
        pool.close()
