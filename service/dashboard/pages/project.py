"""A project: its readiness by criterion, its questionnaire (edit and rescore), its datasets and their
check findings, its assessments, and the test budget with the ledger of looks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.dashboard import queries
from service.dashboard.deps import CheckedForm, ProjectPage
from service.dashboard.pages.budget import budget_changes
from service.dashboard.pagination import Pagination
from service.dashboard.questionnaire_form import (
    SECTIONS,
    AnswersForm,
    AnswersRejected,
    form_values,
    read_answers,
    scores,
)
from service.dashboard.report_view import findings, readiness, verdict_label
from service.dashboard.templating import render
from service.models import Project
from service.web.deps import SessionDep

router = APIRouter()

RECENT_ASSESSMENTS = 10  # on the project page; the assessments page has them all
ASSESSMENTS_PER_PAGE = 50
DATASETS_SHOWN = 20
LEDGER_ROWS = 50


def assessment_row(row: Any) -> dict[str, Any]:
    words, tone = verdict_label(row.verdict)
    return {**row._asdict(), "verdict_words": words if row.verdict else None, "verdict_tone": tone}


def _project_page(
    request: Request, session: Session, project: Project, *, answers: AnswersForm, status: int = 200
) -> Response:
    datasets = queries.datasets_of(session, project.id, limit=DATASETS_SHOWN)
    total = queries.count_assessments(session, project.id)
    recent = queries.assessment_rows(session, project.id, offset=0, limit=RECENT_ASSESSMENTS)
    return render(
        request,
        "project.html",
        {
            "title": project.name,
            "project": project,
            "readiness": readiness(project.readiness),
            "answers": answers,
            "sections": SECTIONS,
            "datasets": [{"row": d, "findings": findings(d.checks)} for d in datasets],
            "datasets_total": queries.count_datasets(session, project.id),
            "assessments": [assessment_row(row) for row in recent],
            "assessments_total": total,
            "budgets": queries.budgets(session, project.id),
            "ledger": queries.ledger_rows(session, project.id, limit=LEDGER_ROWS),
            "budget_changes": budget_changes(session, project.id),
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status,
    )


@router.get("/projects/{project_id}")
def project_page(request: Request, project: ProjectPage, session: SessionDep) -> Response:
    """Everything about one project."""
    return _project_page(request, session, project, answers=AnswersForm(values=form_values(project.answers)))


@router.post("/projects/{project_id}/answers")
def save_answers(request: Request, project: ProjectPage, form: CheckedForm, session: SessionDep) -> Response:
    """New answers replace the old and the readiness is scored afresh."""
    try:
        answers, stored = read_answers(form)
    except AnswersRejected as rejected:
        return _project_page(request, session, project, answers=rejected.form, status=400)
    project.answers, project.readiness = stored, scores(answers)
    session.add(project)
    session.commit()
    return RedirectResponse(f"/projects/{project.id}?saved=answers#readiness", status_code=303)


@router.get("/projects/{project_id}/assessments")
def assessments_page(request: Request, project: ProjectPage, session: SessionDep) -> Response:
    """All of the project's assessments, newest first, a page at a time."""
    total = queries.count_assessments(session, project.id)
    pages = Pagination.of(
        request.query_params,
        per_page=ASSESSMENTS_PER_PAGE,
        total=total,
        path=f"/projects/{project.id}/assessments",
    )
    rows = queries.assessment_rows(session, project.id, offset=pages.offset, limit=pages.per_page)
    return render(
        request,
        "assessments.html",
        {
            "title": f"Assessments of {project.name}",
            "project": project,
            "assessments": [assessment_row(row) for row in rows],
            "pages": pages,
        },
    )
