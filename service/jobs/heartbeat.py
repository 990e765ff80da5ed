"""A worker's heartbeat, sent from a small process of its own.

Why a process and not the worker's event loop or a thread: a worker's tasks run in threads of the worker
process, and the work they do — model fits on every core, C code that holds the GIL for seconds, a shared
GPU host whose cores are all oversubscribed — can delay every other thread of that process far past the
stalled-worker timeout. A late heartbeat makes a live worker look dead, and its job is taken away and run
twice. This child only sleeps and updates one row, so the operating system schedules it on its own,
whatever the parent's threads are doing; it beats while its parent process lives and exits as soon as the
parent is gone (a SIGKILLed worker stops beating, so its jobs are still taken over after the timeout).

The child imports nothing but psycopg: it starts in a fraction of a second and holds one connection.
The database URL reaches it on standard input, never on the command line, where `ps` would show a password.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Re-creates the worker's row if a peer pruned it while this worker was slow: Procrastinate's own heartbeat
# (an UPDATE) would then change nothing, and the worker would stay invisible for the rest of its life.
BEAT_SQL = """
INSERT INTO procrastinate_workers (id, last_heartbeat) OVERRIDING SYSTEM VALUE VALUES (%(worker_id)s, now())
ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat
"""
STOP_TIMEOUT = 5.0  # seconds to wait for the child after asking it to stop


def beat(connection: object, worker_id: int) -> None:
    """Say once that `worker_id` is alive (a psycopg connection in autocommit mode)."""
    connection.execute(BEAT_SQL, {"worker_id": worker_id})  # type: ignore[attr-defined]


def _beat_while_parent_lives(url: str, worker_id: int, interval: float, parent: int) -> None:
    import psycopg

    connection = None
    while os.getppid() == parent:  # reparented once the worker process has died
        try:
            if connection is None or connection.closed:
                connection = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(interval)))
            beat(connection, worker_id)
        except psycopg.Error:
            # The database is away (restarting, a network blip): try again on the next beat.
            if connection is not None:
                connection.close()
            connection = None
        time.sleep(interval)


def main() -> None:
    """The child's entry point: `python -m service.jobs.heartbeat`, settings as one JSON line on stdin."""
    settings = json.loads(sys.stdin.readline())
    _beat_while_parent_lives(
        settings["url"], int(settings["worker_id"]), float(settings["interval"]), int(settings["parent"])
    )


@dataclass
class HeartbeatProcess:
    """The parent's handle on its heartbeat child."""

    url: str  # a libpq URL (postgresql://…)
    worker_id: int
    interval: float  # seconds between beats
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> HeartbeatProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.jobs.heartbeat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            # Keyboard interrupts go to the worker, which stops its child itself.
            start_new_session=True,
        )
        settings = {"url": self.url, "worker_id": self.worker_id, "interval": self.interval, "parent": os.getpid()}
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(settings).encode() + b"\n")
        self.process.stdin.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


if __name__ == "__main__":
    main()
