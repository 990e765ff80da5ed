"""The embedded Postgres stops when the last process holding it exits — on SIGTERM and Ctrl-C too — and the
pid a killed process leaves in `.handle_pids.json` does not keep it running forever after.

These tests start real `readiness` processes on a home of their own (short path: the server's unix socket
lives in its data directory). Startup on a busy two-core machine can be slow, hence the long waits."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from service.database.lifecycle import HANDLE_FILE, prune_dead_holders

CLI = [sys.executable, "-c", "from service.cli.main import main; main()"]  # `readiness`, this very interpreter
STARTUP_S = 120.0  # initdb + migrations on a loaded machine
EXIT_S = 60.0


def _postgres_of(home: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and any(str(home) in part for part in cmdline):
            found.append(process)
    return found


def _holders(home: Path) -> list[int]:
    path = home / "pg" / HANDLE_FILE
    return json.loads(path.read_text()) if path.exists() else []


def _wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="rdy-", dir="/tmp"))
    yield home
    for process in _postgres_of(home):  # whatever a failed test left behind
        process.kill()
    shutil.rmtree(home, ignore_errors=True)


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "READINESS_DATABASE_URL"}
    return {**env, "READINESS_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def _start(home: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = home / "process.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [*CLI, *args], env=_env(home), stdout=out, stderr=subprocess.STDOUT
        )
    return process, log


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def _stop_and_check(process: subprocess.Popen[bytes], log: Path, home: Path, signum: int) -> None:
    assert _postgres_of(home), "the embedded Postgres should be running before the signal"
    process.send_signal(signum)
    try:
        process.wait(timeout=EXIT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"still running {EXIT_S:.0f}s after {signal.Signals(signum).name}:\n{log.read_text()}")
    left = _wait_for(lambda: not _postgres_of(home), timeout=30)
    assert left, f"Postgres of {home} still running: {[p.pid for p in _postgres_of(home)]}\n{log.read_text()}"
    assert _holders(home) == [], log.read_text()


@pytest.mark.parametrize(
    ("signum", "options"),
    [
        pytest.param(signal.SIGTERM, [], id="SIGTERM-with-worker"),
        pytest.param(signal.SIGINT, ["--no-worker"], id="SIGINT-api-only"),
    ],
)
def test_a_signal_to_serve_stops_its_postgres(home: Path, signum: int, options: list[str]) -> None:
    port = _free_port()
    process, log = _start(home, "serve", "--host", "127.0.0.1", "--port", str(port), *options)
    try:
        up = _wait_for(lambda: _healthy(port) or process.poll() is not None, timeout=STARTUP_S)
        assert up and process.poll() is None, f"serve did not come up:\n{log.read_text()}"
        _stop_and_check(process, log, home, signum)
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_to_worker_stops_its_postgres(home: Path) -> None:
    process, log = _start(home, "worker", "--queue", "cpu")
    try:
        up = _wait_for(lambda: "Worker on queue" in log.read_text() or process.poll() is not None, STARTUP_S)
        assert up and process.poll() is None, f"worker did not come up:\n{log.read_text()}"
        time.sleep(1.0)  # into Procrastinate's loop, whose own handler then stops it
        _stop_and_check(process, log, home, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_killed_holder_does_not_keep_postgres_running(home: Path) -> None:
    # A holder that dies without any cleanup (SIGKILL, OOM): the server and its pid in the file stay.
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from service.database.embedded import embedded_url
        embedded_url(Path({str(home / "pg")!r}))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    killed = subprocess.Popen([sys.executable, "-c", script], env=_env(home))
    assert killed.wait(timeout=STARTUP_S) == -signal.SIGKILL
    assert _postgres_of(home) and _holders(home) == [killed.pid]

    # The next command on that home prunes the dead pid, is the only holder, and stops the server.
    migrate = subprocess.run(
        [*CLI, "migrate"],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=STARTUP_S,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert _wait_for(lambda: not _postgres_of(home), timeout=30), "the pruned server was left running"
    assert _holders(home) == []


def test_prune_keeps_live_holders_and_drops_dead_or_newer_pids(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handles = tmp_path / HANDLE_FILE
    handles.write_text(json.dumps([dead.pid, os.getppid(), os.getpid()]))
    written = handles.stat().st_mtime
    time.sleep(2.0)  # past the slack given to clock granularity
    # Started after the file's last write, so it cannot be a holder: only a reuse of a dead holder's pid.
    newer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        handles.write_text(json.dumps([dead.pid, os.getppid(), newer.pid, os.getpid()]))
        os.utime(handles, (written, written))
        assert sorted(prune_dead_holders(tmp_path)) == sorted([dead.pid, newer.pid])
        assert json.loads(handles.read_text()) == [os.getppid(), os.getpid()]
        assert prune_dead_holders(tmp_path) == []
    finally:
        newer.kill()
        newer.wait()


def test_an_unreadable_holder_list_is_started_afresh(tmp_path: Path) -> None:
    (tmp_path / HANDLE_FILE).write_text("[12, 3")  # a write cut short
    assert prune_dead_holders(tmp_path) == []
    assert json.loads((tmp_path / HANDLE_FILE).read_text()) == []


def test_sigterm_becomes_a_normal_exit_that_runs_exit_hooks() -> None:
    script = textwrap.dedent("""
        import atexit, os, signal, time
        from service.database.lifecycle import exit_cleanly_on_signals
        atexit.register(print, "exit hooks ran", flush=True)
        exit_cleanly_on_signals()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "exit hooks ran" in done.stdout


def test_threads_starting_the_server_at_once_all_get_it(home: Path) -> None:
    # `serve` resolves the database on its main thread while a housekeeping thread may do the same.
    script = textwrap.dedent(f"""
        import threading
        from pathlib import Path
        from service.database.embedded import embedded_url
        urls, errors = [], []
        def join():
            try:
                urls.append(embedded_url(Path({str(home / "pg")!r})))
            except BaseException as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=join) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(len(urls), len(set(urls)), errors)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], env=_env(home), capture_output=True, text=True, timeout=STARTUP_S
    )
    assert done.stdout.split() == ["3", "1", "[]"], done.stdout + done.stderr
    assert _wait_for(lambda: not _postgres_of(home), timeout=30)


def test_serve_with_two_api_processes_answers_and_stops_whole(home: Path) -> None:
    # Each API process imports torch and scikit-learn before it answers uvicorn's health pings: with
    # uvicorn's 5 s default a busy machine killed and restarted them forever.
    port = _free_port()
    process, log = _start(home, "serve", "--no-worker", "--port", str(port), "--workers", "2")
    try:
        up = _wait_for(lambda: _healthy(port) or process.poll() is not None, timeout=STARTUP_S)
        assert up and process.poll() is None, f"serve did not come up:\n{log.read_text()}"
        both = _wait_for(lambda: log.read_text().count("Application startup complete") >= 2, STARTUP_S)
        text = log.read_text()
        assert both and "died" not in text, text
        key = next(word for word in text.split() if word.startswith("rdy_"))
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/projects", headers={"Authorization": f"Bearer {key}"}
        )
        for _ in range(10):  # the kernel spreads connections over both processes
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
        _stop_and_check(process, log, home, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
