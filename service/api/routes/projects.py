"""Projects: the questionnaire and the readiness scored from it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import func, select

from service.api.schemas.projects import ProjectPublic, ProjectsPublic
from service.ledger.budget import project_budget
from service.models import Project
from service.projects.changes import apply_changes
from service.projects.history import HistoryEntry, project_history
from service.projects.requests import ProjectCreate, ProjectUpdate
from service.web.deps import CurrentKey, PageDep, ProjectDep, SessionDep, SettingsDep, who
from service.web.errors import ErrorPublic
from workers.report.json_values import json_ready
from workers.rubric.questionnaire import Answers, parse_answers
from workers.rubric.scoring import score_readiness

router = APIRouter(prefix="/projects", tags=["projects"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic, "description": "No such project in your team."}}


def _scored(answers: Answers) -> tuple[dict[str, Any], dict[str, Any]]:
    """What is stored: the answers as validated (unanswered questions left out) and their scores."""
    return answers.model_dump(mode="json", exclude_none=True), json_ready(score_readiness(answers, None))


@router.post(
    "",
    response_model=ProjectPublic,
    status_code=201,
    responses={422: {"model": ErrorPublic, "description": "Invalid answers (code invalid_answers)."}},
)
def create_project(
    body: ProjectCreate,
    session: SessionDep,
    key: CurrentKey,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> Project:
    """Create a project; its readiness is scored from the questionnaire answers."""
    answers, readiness = _scored(parse_answers(body.answers, source="answers"))
    project = Project(
        team_id=key.team_id,
        name=body.name,
        description=body.description,
        answers=answers,
        readiness=readiness,
        test_budget=project_budget(body.test_budget, settings),
    )
    session.add(project)
    session.commit()
    session.refresh(project)
    response.headers["Location"] = request.app.url_path_for("get_project", project_id=str(project.id))
    return project


@router.get("", response_model=ProjectsPublic)
def list_projects(session: SessionDep, key: CurrentKey, page: PageDep) -> ProjectsPublic:
    """Your team's projects, newest first."""
    mine = Project.team_id == key.team_id
    count = session.scalar(select(func.count()).select_from(Project).where(mine)) or 0
    rows = session.scalars(
        select(Project)
        .where(mine)
        .order_by(Project.created_at.desc(), Project.id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return ProjectsPublic(data=[ProjectPublic.model_validate(row) for row in rows], count=count)


@router.get("/{project_id}", response_model=ProjectPublic, responses=NOT_FOUND)
def get_project(project: ProjectDep) -> Project:
    """One project with its answers and readiness."""
    return project


@router.patch("/{project_id}", response_model=ProjectPublic, responses=NOT_FOUND)
def update_project(project: ProjectDep, body: ProjectUpdate, session: SessionDep, key: CurrentKey) -> Project:
    """Change the name, description or answers; new answers replace the old and are scored afresh. Each
    change is recorded, with who made it, in the project's history."""
    changes = body.model_dump(exclude_unset=True)
    if "answers" in changes:
        changes["answers"], changes["readiness"] = _scored(
            parse_answers(changes["answers"], source="answers")
        )
    if "name" in changes and changes["name"] is None:
        del changes["name"]  # a project always has a name; null means "leave it"
    apply_changes(session, project, changes, who(key))
    session.commit()
    session.refresh(project)
    return project


class ProjectHistoryPublic(BaseModel):
    data: list[HistoryEntry]


@router.get("/{project_id}/history", response_model=ProjectHistoryPublic, responses=NOT_FOUND)
def get_project_history(project: ProjectDep, session: SessionDep, page: PageDep) -> ProjectHistoryPublic:
    """Who changed what and when, newest first: answer and name edits, assessments started and cancelled,
    test looks and promotions, budget raises, experiments and their note edits, grids."""
    return ProjectHistoryPublic(
        data=project_history(session, project.id, limit=page.limit, offset=page.offset)
    )
