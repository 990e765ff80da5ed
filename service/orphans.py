"""The orphan sweeper: files in the artifact store and the uploads folder that no row references.

Every write path stores its file first and its row second (an upload is streamed in before it can be read;
a stage's output is saved before its row), and removes the file if the row is refused. A process that dies
between the two cannot remove it, so a file can outlive its request. Such a file is harmless but takes
disk; this sweep deletes it once it is older than a day, which no request or stage takes to commit. It runs
when `readiness serve` and `readiness worker` start, off the start-up path, and is cheap: one walk of the
folders, and the referenced names are read only when an old file is found.

A file is referenced by name: a dataset's `stored_as`, a stage output's `artifact`, or an experiment's
fitted `model_artifact`. What is made from an upload (its parsed copy and its preparations, see
`service.datasets`) is named after the upload's bytes, `<sha256>.<how it was read>.<what it is>`: such a
file is referenced while a dataset row holds those bytes (its `sha256`), so the jobs of every dataset find it,
and it goes once no row does. Unfinished temporary files (the store's `tmp/`) are referenced by nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from service.artifacts import lock_artifact
from service.database.engine import make_engine, session_scope
from service.models import Dataset, Experiment, StageOutput
from service.settings import Settings

logger = logging.getLogger(__name__)

MIN_AGE = timedelta(days=1)


@dataclass
class Sweep:
    """What a sweep did."""

    deleted: list[Path] = field(default_factory=list)
    kept_referenced: int = 0
    young: int = 0


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, _, names in os.walk(root):
        for name in names:
            yield Path(folder) / name


def derived_from(name: str) -> str | None:
    """The sha256 of the upload a file named `name` was made from (`<sha256>.<how>.<what>`); None for any
    other file (an upload `<sha256>.csv`, a stage output `<sha256>.pkl`, a temporary file)."""
    parts = name.split(".")
    return parts[0] if len(parts) >= 3 and len(parts[0]) == 64 else None


def _referenced(engine: Engine) -> set[str]:
    """The names rows reference, and the sha256 of every dataset's bytes (what was made from them)."""
    with session_scope(engine) as session:
        names = set(session.scalars(select(Dataset.stored_as)).all())
        names |= set(session.scalars(select(Dataset.sha256)).all())
        names |= set(session.scalars(select(StageOutput.artifact)).all())
        models = select(Experiment.result["model_artifact"].astext).where(
            Experiment.result["model_artifact"].astext.is_not(None)
        )
        names |= set(session.scalars(models).all())
    return names


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def sweep_orphans(
    engine: Engine, settings: Settings, *, min_age: timedelta = MIN_AGE, now: float | None = None
) -> Sweep:
    """Delete every file under the artifact store and the uploads folder that is older than `min_age` and
    named by no row. Each deletion re-checks, under the file's advisory lock (the one an upload holds while
    it commits its dataset row), that no row names the file and that it was not rewritten meanwhile."""
    cutoff = (time.time() if now is None else now) - min_age.total_seconds()
    sweep = Sweep()
    old: list[Path] = []
    for root in (settings.artifacts_path, settings.uploads_path):
        for path in _files(root):
            if _older_than(path, cutoff):
                old.append(path)
            else:
                sweep.young += 1
    if not old:
        return sweep
    referenced = _referenced(engine)
    for path in old:
        if path.name in referenced or derived_from(path.name) in referenced:
            sweep.kept_referenced += 1
            continue
        with session_scope(engine) as session:
            lock_artifact(session, path.name)
            if _named_by_a_row(session, path.name) or not _older_than(path, cutoff):
                sweep.kept_referenced += 1
                continue
            path.unlink(missing_ok=True)
        sweep.deleted.append(path)
    return sweep


def _named_by_a_row(session: Session, name: str) -> bool:
    if (upload := derived_from(name)) is not None:
        return session.scalar(select(Dataset.id).where(Dataset.sha256 == upload).limit(1)) is not None
    return (
        session.scalar(select(Dataset.id).where(Dataset.stored_as == name).limit(1)) is not None
        or session.scalar(select(StageOutput.id).where(StageOutput.artifact == name).limit(1)) is not None
        or session.scalar(
            select(Experiment.id).where(Experiment.result["model_artifact"].astext == name).limit(1)
        )
        is not None
    )


def sweep_in_background(settings: Settings) -> threading.Thread:
    """Sweep on a daemon thread, so that a large store never delays a start; a failure is logged, not raised.
    `settings.database_url` must be resolved already: the thread must not start an embedded server itself."""
    url = settings.database_url
    assert url, "resolve the database URL before sweeping"

    def run() -> None:
        engine = None
        try:
            engine = make_engine(url)
            sweep = sweep_orphans(engine, settings)
            if sweep.deleted:
                logger.info("deleted %d orphaned file(s) older than a day", len(sweep.deleted))
        except Exception:  # a sweep is housekeeping: it must never take the server or the worker down
            logger.exception("the orphan sweep failed; files are left as they are")
        finally:
            if engine is not None:
                engine.dispose()

    thread = threading.Thread(target=run, name="orphan-sweep", daemon=True)
    thread.start()
    return thread
