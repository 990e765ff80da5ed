"""`readiness serve`: database, migrations, the API, and (by default) a worker in the same process."""

from __future__ import annotations

import os

import click
import uvicorn
from sqlalchemy import func, select

from service.auth import LOGIN_LINK_LIFETIME, admin_key_id, create_login_link
from service.cli.person import login_name
from service.cli.support import LOCAL_TEAM
from service.database.engine import make_engine, resolve_database_url, session_scope
from service.database.lifecycle import exit_cleanly_on_signals
from service.database.migrate import upgrade_to_head
from service.models import ApiKey
from service.settings import Settings

API_PROCESS_START_SECONDS = 120


def _first_start_key(settings: Settings) -> str | None:
    """On a database with no keys at all, make an admin key so the first user can get in.

    It belongs to team `local`, the team `readiness assess`, `grid` and `submit` record under without a
    key: on a single-user install the runs made before the first `serve` are the ones its dashboard and
    key show (README: the CLI, the API and the dashboard show the same records)."""
    from service.auth import create_key

    engine = make_engine(settings.database_url or "")
    with session_scope(engine) as session:
        has_keys = (session.scalar(select(func.count()).select_from(ApiKey)) or 0) > 0
    key = None if has_keys else create_key(engine, team_name=LOCAL_TEAM, name=login_name(), admin=True)
    engine.dispose()
    return key


def _login_link(settings: Settings, base: str) -> str | None:
    """A one-time dashboard sign-in link for the admin key, or None when there is no admin key."""
    engine = make_engine(settings.database_url or "")
    try:
        key_id = admin_key_id(engine)
        return f"{base}/login/{create_login_link(engine, key_id)}" if key_id else None
    finally:
        engine.dispose()


def browser_base(host: str, port: int) -> str:
    """The address a browser on this machine opens: a wildcard bind is reached through the loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def serve(settings: Settings, *, host: str, port: int, with_worker: bool, api_processes: int = 1) -> None:
    from service.app import create_app
    from service.assessments.runtime import run_worker_in_thread

    # Resolve once: the API, the worker thread and migrations then share one (possibly embedded) server.
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    upgrade_to_head(make_engine(settings.database_url or ""))
    key = _first_start_key(settings)
    base = f"http://{host}:{port}"
    click.echo(f"Readiness API on {base}/api/v1 — OpenAPI at {base}/docs")
    if key:
        click.echo(
            f"First start: an admin API key of team {LOCAL_TEAM!r} (where `readiness assess` records its runs) "
            f"was created. Keep it; it is shown only now:\n  {key}"
        )
    dashboard = browser_base(host, port)
    if link := _login_link(settings, dashboard):
        minutes = int(LOGIN_LINK_LIFETIME.total_seconds() // 60)
        click.echo(
            f"Dashboard on {dashboard}/ — sign in with an API key, or once with this link "
            f"(admin key, valid {minutes} minutes):\n  {link}"
        )
    else:
        click.echo(f"Dashboard on {dashboard}/ — sign in with an API key.")
    worker = run_worker_in_thread(settings) if with_worker else None
    if worker:
        click.echo("A worker runs in this process (queues cpu, gpu).")
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again under the handler it found:
    # make that a normal exit, so `finally` stops the worker and atexit stops an embedded Postgres.
    exit_cleanly_on_signals()
    try:
        if api_processes == 1:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        else:
            # Each process builds its app from the environment: hand it the server this one resolved (and,
            # if embedded, holds), so none starts a database of its own.
            os.environ["READINESS_DATABASE_URL"] = settings.database_url or ""
            uvicorn.run(
                "service.app:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=api_processes,
                # A process imports torch, scikit-learn and XGBoost before it answers: uvicorn's 5 s would
                # kill it as hung on a busy machine, and start another that is killed the same way.
                timeout_worker_healthcheck=API_PROCESS_START_SECONDS,
                log_level="info",
            )
    finally:
        if worker:
            worker.stop()
