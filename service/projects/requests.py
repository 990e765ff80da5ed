"""What a request to create or change a project may carry, as the API and the dashboard take it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from service.ledger.cap import MAX_TEST_BUDGET
from service.models.text import DescriptionText, NameText, StoredJson

ANSWERS_HELP = (
    "Questionnaire answers by section (dataset, reuse, feasibility, payoff, fault_tolerance); "
    "see docs/questionnaire.md. Every question is optional."
)
ANSWERS_EXAMPLE: dict[str, Any] = {
    "dataset": {"labels_available": True, "label_source": "existing_records"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
}
ANSWERS_REF = "#/components/schemas/Answers"
# Taken as a mapping and validated by parse_answers (a mistake is answered `invalid_answers`, naming its
# field), but documented as the questionnaire itself: service.api.openapi adds its schema to the components.
AnswersJson = Annotated[StoredJson, WithJsonSchema({"$ref": ANSWERS_REF})]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NameText
    description: DescriptionText | None = None
    answers: AnswersJson | None = Field(
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
    answers: AnswersJson | None = Field(default=None, description=ANSWERS_HELP)
