"""Scoring a proposed project: the questionnaire in, the five criteria out, nothing stored.

The question a team asks before it has a project, a dataset or anything to save: "how ready would this
be?". Projects are scored the same way when they are created or their answers change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from service.projects.requests import ANSWERS_EXAMPLE, ANSWERS_HELP, AnswersJson
from service.web.deps import CurrentKey
from service.web.errors import ErrorPublic
from workers.report.json_values import json_ready
from workers.rubric.questionnaire import Answers, parse_answers
from workers.rubric.scoring import score_readiness

router = APIRouter(tags=["projects"])


def scored_answers(answers: Answers) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers as validated (unanswered questions left out) and the readiness scored from them alone."""
    return answers.model_dump(mode="json", exclude_none=True), json_ready(score_readiness(answers, None))


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: AnswersJson | None = Field(
        default=None, description=ANSWERS_HELP, json_schema_extra={"example": ANSWERS_EXAMPLE}
    )


class ScorePublic(BaseModel):
    answers: dict[str, Any] = Field(description="The answers as understood, unanswered questions left out.")
    readiness: dict[str, Any] = Field(description="Scores per criterion, from the answers alone.")


@router.post(
    "/score",
    response_model=ScorePublic,
    responses={422: {"model": ErrorPublic, "description": "Invalid answers (code invalid_answers)."}},
)
def score(body: ScoreRequest, key: CurrentKey) -> ScorePublic:
    """Score questionnaire answers on the five criteria without creating a project."""
    answers, readiness = scored_answers(parse_answers(body.answers, source="answers"))
    return ScorePublic(answers=answers, readiness=readiness)
