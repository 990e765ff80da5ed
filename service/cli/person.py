"""Who is at the terminal: the CLI's records name the OS login name, and a key made without `--name` belongs
to it. Only `getpass` here: the command line must answer without loading the database libraries."""

from __future__ import annotations

import getpass


def login_name(fallback: str = "local user") -> str:
    """The OS login name, or `fallback` where there is none."""
    try:
        return getpass.getuser() or fallback
    except (KeyError, OSError):  # no login name (a container's uid without a passwd entry)
        return fallback


def cli_who() -> str:
    """How a record made by the CLI names who made it: the person at the terminal, and that it was the CLI."""
    return f"{login_name()} (cli)"
