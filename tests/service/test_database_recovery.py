"""A lost embedded Postgres comes back without restarting `serve`: its postmaster is SIGKILLed, the API
answers 503 (never 500) meanwhile, and the watchdog of the process that holds the server starts it again on
the same data directory and socket, so the API's pools reconnect."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest

from tests.service.test_lifecycle import (
    EXIT_S,
    STARTUP_S,
    _free_port,
    _healthy,
    _postgres_of,
    _start,
    _wait_for,
    home,  # noqa: F401 - the fixture
)

RECOVERY_S = 90.0  # the watchdog looks every 2 s; crash recovery on a busy two-core machine takes longer


def _request(
    port: int, key: str, method: str = "GET", body: dict | None = None
) -> tuple[int, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/projects",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _postmasters(readiness_home: Path) -> list[psutil.Process]:
    """Postmasters only (their command line names the data directory; their children's do not)."""
    return [p for p in _postgres_of(readiness_home) if "-D" in (p.info["cmdline"] or [])]


def _worker_beat_since_start(readiness_home: Path) -> bool:
    """Whether a worker has sent a heartbeat since the server (re)started."""
    url = f"postgresql://postgres@/postgres?host={readiness_home / 'pg'}"
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT max(last_heartbeat) > pg_postmaster_start_time() FROM procrastinate_workers"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def _postmaster_pid(readiness_home: Path) -> int | None:
    try:
        return int((readiness_home / "pg" / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None  # being rewritten by a starting server


def test_serve_recovers_from_a_killed_postmaster(home: Path) -> None:  # noqa: F811 - the fixture
    port = _free_port()
    process, log = _start(home, "serve", "--host", "127.0.0.1", "--port", str(port))  # with its worker
    try:
        up = _wait_for(lambda: _healthy(port) or process.poll() is not None, timeout=STARTUP_S)
        assert up and process.poll() is None, log.read_text()
        found = re.search(r"^\s+(rdy_\S+)$", log.read_text(), re.MULTILINE)
        assert found, log.read_text()
        key = found.group(1)
        assert _request(port, key)[0] == 200

        old = _postmaster_pid(home)
        psutil.Process(old).kill()
        killed_at = time.monotonic()
        answers: list[tuple[float, int]] = []
        while time.monotonic() - killed_at < RECOVERY_S:
            status, headers = _request(port, key)
            answers.append((round(time.monotonic() - killed_at, 1), status))
            assert status in (200, 503), f"{status} at {answers[-1][0]} s\n{log.read_text()}"
            if status == 503:
                assert {k.lower() for k in headers} >= {"retry-after"}, headers
            if [s for _, s in answers[-3:]] == [200, 200, 200] and _postmaster_pid(home) != old:
                break
            time.sleep(0.5)
        statuses = [s for _, s in answers]
        print(f"answers after the kill (seconds, status): {answers}")
        assert statuses[-3:] == [200, 200, 200], f"{answers}\n{log.read_text()}"
        assert "starting it again" in log.read_text(), log.read_text()

        assert _request(port, key, "POST", {"name": "after the blip"})[0] == 201
        assert _postmaster_pid(home) != old
        assert len(_postmasters(home)) == 1, [p.info["cmdline"] for p in _postmasters(home)]
        # The worker thread lived through the blip: it beats again on the new server.
        assert _wait_for(lambda: _worker_beat_since_start(home), timeout=60), log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"still running {EXIT_S:.0f}s after SIGTERM:\n{log.read_text()}")
    assert _wait_for(lambda: not _postgres_of(home), timeout=30), log.read_text()
