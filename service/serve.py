"""`readiness serve`: database, migrations, the API, and (by default) a worker in the same process."""

from __future__ import annotations

import click
import uvicorn
from sqlalchemy import func, select

from service.database.engine import make_engine, resolve_database_url, session_scope
from service.database.migrate import upgrade_to_head
from service.models import ApiKey
from service.settings import Settings


def _first_start_key(settings: Settings) -> str | None:
    """On a database with no keys at all, make an admin key so the first user can get in."""
    from service.auth import create_key

    engine = make_engine(settings.database_url or "")
    with session_scope(engine) as session:
        has_keys = session.scalar(select(func.count()).select_from(ApiKey)) > 0
    key = None if has_keys else create_key(engine, team_name="admin", name="first start", admin=True)
    engine.dispose()
    return key


def serve(settings: Settings, *, host: str, port: int, with_worker: bool) -> None:
    from service.api.app import create_app
    from service.jobs.worker import run_worker_in_thread

    # Resolve once: the API, the worker thread and migrations then share one (possibly embedded) server.
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    upgrade_to_head(make_engine(settings.database_url or ""))
    key = _first_start_key(settings)
    base = f"http://{host}:{port}"
    click.echo(f"Readiness API on {base}/api/v1 — OpenAPI at {base}/docs")
    if key:
        click.echo(f"First start: an admin API key was created. Keep it; it is shown only now:\n  {key}")
    worker = run_worker_in_thread(settings) if with_worker else None
    if worker:
        click.echo("A worker runs in this process (queues cpu, gpu).")
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    finally:
        if worker:
            worker.stop()
