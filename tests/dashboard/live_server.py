"""A real server for browser tests: uvicorn on a free loopback port with a worker thread, as `readiness
serve` runs them, on a database of its own cloned from the tests' migrated template."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import Engine, text

from service.app import create_app
from service.assessments.runtime import run_worker_in_thread
from service.database.engine import make_engine, with_database
from service.settings import Settings
from tests.service.conftest import TEMPLATE

START_TIMEOUT = 30.0  # seconds


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    settings: Settings
    engine: Engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(
    postgres_server: str, home: Path, *, with_worker: bool = True, api_threads: int | None = None
) -> Iterator[LiveServer]:
    name = f"browser_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_server)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    settings = Settings(home=home, database_url=with_database(postgres_server, name))
    if api_threads is not None:
        settings = settings.model_copy(update={"api_threads": api_threads})
    engine = make_engine(settings.database_url or "")
    worker = run_worker_in_thread(settings) if with_worker else None
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        yield LiveServer(f"http://127.0.0.1:{port}", settings, engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if worker is not None:
            worker.stop()
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
