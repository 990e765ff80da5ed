"""Projects: a name, the questionnaire answers and the readiness scored from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.text import StoredJson, StoredText

ANSWERS_HELP = (
    "Questionnaire answers by section (dataset, reuse, feasibility, payoff, fault_tolerance); "
    "see docs/questionnaire.md. Every question is optional."
)
ANSWERS_EXAMPLE = {
    "dataset": {"labels_available": True, "label_source": "existing_records"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
}


class ProjectBase(BaseModel):
    name: StoredText = Field(min_length=1, max_length=200)
    description: StoredText | None = None


class ProjectCreate(ProjectBase):
    model_config = ConfigDict(extra="forbid")

    answers: StoredJson | None = Field(
        default=None, description=ANSWERS_HELP, json_schema_extra={"example": ANSWERS_EXAMPLE}
    )
    test_budget: int | None = Field(
        default=None, ge=1, le=1000, description="Looks allowed at each test split (default: the server's)."
    )


class ProjectUpdate(BaseModel):
    """Only the fields sent change; `answers` replaces the whole questionnaire."""

    model_config = ConfigDict(extra="forbid")

    name: StoredText | None = Field(default=None, min_length=1, max_length=200)
    description: StoredText | None = None
    answers: StoredJson | None = Field(default=None, description=ANSWERS_HELP)


class ProjectPublic(ProjectBase):
    model_config = ConfigDict(from_attributes=True)

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
