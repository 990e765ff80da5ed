"""The projects list (filtered, sorted and paged on the server) and the new-project form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from service.dashboard import queries
from service.dashboard.deps import CheckedForm, SignedInDep
from service.dashboard.forms import field_errors, number, text
from service.dashboard.pagination import Pagination
from service.dashboard.questionnaire_form import (
    SECTIONS,
    AnswersForm,
    AnswersRejected,
    form_values,
    read_answers,
    scores,
)
from service.dashboard.report_view import verdict_label
from service.dashboard.templating import render
from service.ledger.budget import project_budget
from service.models import Project
from service.projects.requests import ProjectCreate
from service.web.deps import SessionDep, SettingsDep
from workers.report.html import READINESS_VERDICTS

router = APIRouter()

PROJECTS_PER_PAGE = 25


@router.get("/")
def home(_who: SignedInDep) -> Response:
    return RedirectResponse("/projects", status_code=303)


@router.get("/projects")
def projects(request: Request, who: SignedInDep, session: SessionDep) -> Response:
    """Every project of the team with its overall readiness and latest verdict."""
    query = request.query_params
    wanted = queries.ProjectFilter(
        text=query.get("q", "").strip()[:200],
        level=query.get("level", "") if query.get("level") in queries.READINESS_LEVELS else "",
        sort=query.get("sort", "") if query.get("sort") in queries.PROJECT_SORTS else "newest",
    )
    total = queries.count_projects(session, who.team_id, wanted)
    pages = Pagination.of(query, per_page=PROJECTS_PER_PAGE, total=total, path="/projects")
    rows = queries.project_rows(session, who.team_id, wanted, offset=pages.offset, limit=pages.per_page)
    return render(
        request,
        "projects.html",
        {
            "title": "Projects",
            "nav": "projects",
            "rows": [_row(row) for row in rows],
            "wanted": wanted,
            "pages": pages,
            "sorts": [(key, label) for key, (label, _) in queries.PROJECT_SORTS.items()],
            "levels": [(level, READINESS_VERDICTS[level]) for level in queries.READINESS_LEVELS],
            "filtered": bool(wanted.text or wanted.level),
        },
    )


def _row(row: Any) -> dict[str, Any]:
    words, tone = verdict_label(row.verdict)
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "created_at": row.created_at,
        "overall": None if row.overall is None else round(row.overall),
        "level": READINESS_VERDICTS.get(row.level or "", "—"),
        "level_code": row.level or "none",
        "assessment_id": row.assessment_id,
        "verdict": words if row.verdict else None,
        "verdict_tone": tone,
    }


def _new_project_page(
    request: Request,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    answers: AnswersForm,
    status: int = 200,
) -> Response:
    return render(
        request,
        "project_new.html",
        {
            "title": "New project",
            "nav": "new",
            "values": values,
            "errors": errors,
            "answers": answers,
            "sections": SECTIONS,
        },
        status_code=status,
    )


@router.get("/projects/new")
def new_project_form(request: Request, _who: SignedInDep, settings: SettingsDep) -> Response:
    """The new-project form: a name, the test budget and the questionnaire."""
    values = {"test_budget": str(settings.default_test_budget)}
    return _new_project_page(request, values=values, errors={}, answers=AnswersForm())


@router.post("/projects/new")
def create_project(
    request: Request, who: SignedInDep, form: CheckedForm, session: SessionDep, settings: SettingsDep
) -> Response:
    """Create the project, scored from its answers, and open it."""
    values = {name: text(form, name) for name in ("name", "description", "test_budget")}
    errors: dict[str, str] = {}
    budget = number(values["test_budget"], errors, "test_budget")
    try:
        body = ProjectCreate(
            name=values["name"], description=values["description"] or None, test_budget=budget
        )
    except ValidationError as error:
        errors = field_errors(error) | errors
    try:
        answers, stored = read_answers(form)
        shown = AnswersForm(values=form_values(stored))
    except AnswersRejected as rejected:
        shown = rejected.form
    if errors or shown.errors:
        return _new_project_page(request, values=values, errors=errors, answers=shown, status=400)
    project = Project(
        team_id=who.team_id,
        name=body.name,
        description=body.description,
        answers=stored,
        readiness=scores(answers),
        test_budget=project_budget(body.test_budget, settings),
    )
    session.add(project)
    session.commit()
    return RedirectResponse(f"/projects/{project.id}", status_code=303)
