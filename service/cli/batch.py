"""`readiness submit BATCH.yaml [--wait]`: a batch file checked as a whole, queued, and (with --wait) worked
here with live progress until every item has ended."""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from service.cli.person import cli_who
from service.cli.support import LOCAL_TEAM, load_settings
from workers.errors import FileMissing, FileTooLarge, InvalidOption, UnreadableFile

if TYPE_CHECKING:  # the rest is imported when the command runs: `readiness --help` need not load the API
    from sqlalchemy import Engine

    from service.batches import BatchStatus
    from service.settings import Settings

POLL_SECONDS = 0.5
MAX_WORKERS = 16
MAX_TEAM_CHARS = 100  # team.name
FAILED_EXIT = 1  # an item failed at run time; a refused batch (a user error) exits 2 through the group
INTERRUPTED_EXIT = 130


@click.command("submit")
@click.argument("batch_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--wait", is_flag=True, help="Work the batch here, with live progress, until every item ends.")
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=1,
    show_default=True,
    help="In-process workers with --wait (each runs one job at a time).",
)
@click.option("--team", default=LOCAL_TEAM, show_default=True, help="The team to record the batch under.")
def submit(batch_file: Path, wait: bool, workers: int, team: str) -> None:
    """Submit BATCH_FILE (YAML or JSON): projects, datasets, assessments and grids, checked as a whole and
    queued at once; dataset and answers files are named relative to it. See docs/batches.md.

    Without --wait the jobs wait for a worker (`readiness worker`, or `readiness serve`). With --wait they
    run here on the cpu and gpu queues (which also serve any other queued job of this database), and the
    command exits 1 if an item failed."""
    from service.batches import LocalFiles, submit_batch
    from service.batches.terminal import item_counts, summary_table
    from service.datasets.local import open_local
    from service.jobs.app import make_job_app

    console = Console()
    text = _read(batch_file)
    settings, engine, artifacts = open_local(load_settings())
    try:
        team_id, made = _team_id(engine, team)
        try:
            batch = submit_batch(
                engine,
                make_job_app(settings.database_url or ""),
                text=text,
                filename=batch_file.name,
                team_id=team_id,
                files=LocalFiles(batch_file.parent, artifacts, max_bytes=settings.max_upload_bytes),
                settings=settings,
                who=cli_who(),
            )
        except BaseException:
            if made:  # a refused batch leaves nothing behind, the team it would have been recorded under included
                _forget_team_if_unused(engine, team_id)
            raise
        state = _status(engine, batch.id)
        console.print(f"Batch {batch.id} queued for team {team!r}: {item_counts(state)}.")
        if not wait:
            console.print(
                "Nothing runs until a worker takes the jobs: `readiness worker` (or `readiness serve`, which runs "
                f"one). Follow it at GET /api/v1/batches/{batch.id}, with a key from "
                f"`readiness keys create --team {team}`; or submit with --wait to work it here."
            )
            return
        state = _work(console, settings, engine, batch.id, workers)
    finally:
        engine.dispose()
    console.print(summary_table(state))
    if state.status != "succeeded":
        failed = sum(item.status != "succeeded" for item in state.items)
        console.print(f"[bold red]{failed} of {len(state.items)} items did not succeed.[/]")
        raise click.exceptions.Exit(FAILED_EXIT)


def _read(path: Path) -> str:
    """The batch file, read before the database starts: a typo in its name should not cost a server start."""
    from service.batches.spec import MAX_SPEC_BYTES

    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise FileTooLarge(f"{path} is larger than {MAX_SPEC_BYTES // 1024} KiB; split the batch.")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileMissing(f"No such batch file: {path}") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path} is not UTF-8 text.") from None
    except OSError as error:
        raise UnreadableFile(f"Cannot read {path}: {error.strerror or error}.") from None


def _team_id(engine: Engine, name: str) -> tuple[uuid.UUID, bool]:
    """The team's id, the team made if new (as `readiness keys create` makes it: race-free), and whether
    this call made it."""
    from sqlalchemy import select
    from sqlalchemy.dialects.postgresql import insert

    from service.database.engine import session_scope
    from service.models import Team
    from service.models.base import utcnow

    name = name.strip()
    if not name or len(name) > MAX_TEAM_CHARS or "\x00" in name:
        raise InvalidOption(f"--team must be 1 to {MAX_TEAM_CHARS} characters; got {name!r}.")
    with session_scope(engine) as session:
        made = session.execute(
            insert(Team)
            .values(id=uuid.uuid4(), name=name, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(Team.id)
        ).scalar()
        team_id = session.scalar(select(Team.id).where(Team.name == name))
        assert team_id is not None  # inserted just above, or there already
        return team_id, made is not None


def _forget_team_if_unused(engine: Engine, team_id: uuid.UUID) -> None:
    """Delete a team this command made for a batch that was refused, unless something (a key, a project or
    batch of a concurrent command) already refers to it: the foreign keys then refuse the delete."""
    from sqlalchemy import delete
    from sqlalchemy.exc import IntegrityError

    from service.database.engine import session_scope
    from service.models import Team

    with contextlib.suppress(IntegrityError), session_scope(engine) as session:
        session.execute(delete(Team).where(Team.id == team_id))


def _status(engine: Engine, batch_id: uuid.UUID) -> BatchStatus:
    from service.batches import batch_status
    from service.database.engine import session_scope
    from service.models import Batch

    with session_scope(engine) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None  # this command made it; batches are never deleted
        return batch_status(session, batch)


def _work(
    console: Console, settings: Settings, engine: Engine, batch_id: uuid.UUID, n_workers: int
) -> BatchStatus:
    """Run workers in this process and show the batch's progress until every item has ended."""
    from service.assessments.runtime import run_worker_in_thread
    from service.batches.terminal import BatchProgress
    from service.jobs.app import QUEUES

    threads = [run_worker_in_thread(settings, queues=QUEUES) for _ in range(n_workers)]
    try:
        with BatchProgress(console) as view:
            while True:
                state = _status(engine, batch_id)
                view.update(state)
                if state.ended:
                    return state
                time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        console.print(
            "Stopped waiting. The batch's jobs stay queued: `readiness worker` finishes them, and "
            f"GET /api/v1/batches/{batch_id} shows where they stand."
        )
        raise click.exceptions.Exit(INTERRUPTED_EXIT) from None
    finally:
        for thread in threads:
            thread.stop()
