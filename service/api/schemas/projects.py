"""Projects: a name, the questionnaire answers and the readiness scored from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.text import DescriptionText, NameText, StoredJson
from service.budget_cap import MAX_TEST_BUDGET

ANSWERS_HELP = (
    "Questionnaire answers by section (dataset, reuse, feasibility, payoff, fault_tolerance); "
    "see docs/questionnaire.md. Every question is optional."
)
ANSWERS_EXAMPLE = {
    "dataset": {"labels_available": True, "label_source": "existing_records"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
}


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NameText
    description: DescriptionText | None = None
    answers: StoredJson | None = Field(
        default=None, description=ANSWERS_HELP, json_schema_extra={"example": ANSWERS_EXAMPLE}
    )
    test_budget: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TEST_BUDGET,
        description="Looks allowed at each test split (default: the server's).",
    )


class ProjectUpdate(BaseModel):
    """Only the fields sent change; `answers` replaces the whole questionnaire."""

    model_config = ConfigDict(extra="forbid")

    name: NameText | None = None
    description: DescriptionText | None = None
    answers: StoredJson | None = Field(default=None, description=ANSWERS_HELP)


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
