"""Projects: a name, the questionnaire answers and the readiness scored from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProjectPublic(BaseModel):
    """Shown as stored: the bounds on what a request may send are not checked on the way out."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str | None
    id: uuid.UUID
    answers: dict[str, Any] | None
    readiness: dict[str, Any] | None = Field(
        description="Scores per criterion, from the answers; a finished assessment adds the evidence."
    )
    test_budget: int
    created_at: datetime


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int
