"""A batch from its file to its queued jobs: read, check as a whole, then record everything at once."""

from __future__ import annotations

import uuid

import procrastinate
from sqlalchemy import Engine

from service.batches.files import BatchFiles
from service.batches.records import create_batch
from service.batches.spec import parse_batch
from service.batches.validate import plan_batch
from service.database.engine import session_scope
from service.models import Batch
from service.settings import Settings


def submit_batch(
    engine: Engine,
    job_app: procrastinate.App,
    *,
    text: str,
    filename: str,
    team_id: uuid.UUID,
    files: BatchFiles,
    settings: Settings,
    who: str,
) -> Batch:
    """Queue the batch in `text`, or raise `InvalidBatch` listing every problem with nothing written."""
    try:
        spec = parse_batch(text, filename=filename)
        with session_scope(engine) as session:
            plan = plan_batch(session, spec, team_id=team_id, files=files, settings=settings)
    except BaseException:
        files.forget(engine)  # uploads stored to be inspected
        raise
    return create_batch(engine, job_app, plan, files=files, who=who)
