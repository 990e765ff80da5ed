"""Is the service up: the database answers and its schema is at head."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from service.api.schemas.health import HealthPublic
from service.database.engine import DatabaseUnavailable
from service.database.migrate import current_revision
from service.web.deps import EngineDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic)
def health(engine: EngineDep) -> HealthPublic:
    """Liveness and database check; needs no API key."""
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"The database does not answer: {type(error).__name__}.") from error
    return HealthPublic(status="ok", database="ok", schema_revision=revision)
