"""The health answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HealthPublic(BaseModel):
    status: str
    database: str
    schema_revision: str | None = Field(serialization_alias="schema", description="Alembic revision.")
