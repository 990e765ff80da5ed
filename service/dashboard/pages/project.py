"""A project: its readiness by criterion, its questionnaire (edit and rescore), its datasets and their
check findings, its assessments, and the test budget with the ledger of looks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.dashboard import queries
from service.dashboard.deps import CheckedForm, ProjectPage, SignedInDep
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
from service.projects.changes import apply_changes
from service.projects.history import HistoryEntry, HistoryKind, project_history
from service.web.deps import SessionDep, who

router = APIRouter()

RECENT_ASSESSMENTS = 10  # on the project page; the assessments page has them all
ASSESSMENTS_PER_PAGE = 50
DATASETS_SHOWN = 20
LEDGER_ROWS = 50
HISTORY_ROWS = 200  # the newest; the API pages through all of it

HISTORY_LABELS = {
    HistoryKind.project_edited: "Project edited",
    HistoryKind.answer_edited: "Answer edited",
    HistoryKind.assessment_started: "Assessment started",
    HistoryKind.assessment_cancelled: "Assessment cancelled",
    HistoryKind.test_look: "Test look",
    HistoryKind.promotion: "Promotion",
    HistoryKind.budget_raised: "Budget raised",
    HistoryKind.experiment: "Experiment",
    HistoryKind.experiment_note_edited: "Experiment note",
    HistoryKind.grid: "Grid",
}
ASSESSMENT_KINDS = (HistoryKind.assessment_started, HistoryKind.assessment_cancelled, HistoryKind.test_look)


def history_row(entry: HistoryEntry) -> dict[str, Any]:
    """An entry as the history page shows it: its label, and a link to what it is about."""
    link = None
    if entry.subject_id is not None:
        if entry.kind in ASSESSMENT_KINDS:
            link = f"/assessments/{entry.subject_id}"
        elif entry.kind == HistoryKind.grid:
            link = f"/grids/{entry.subject_id}"
        else:
            link = f"/journal/{entry.subject_id}"
    return {"entry": entry, "label": HISTORY_LABELS[entry.kind], "link": link}


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
def save_answers(
    request: Request, project: ProjectPage, form: CheckedForm, session: SessionDep, signed_in: SignedInDep
) -> Response:
    """New answers replace the old and the readiness is scored afresh; each changed answer goes into the
    project's history with who changed it."""
    try:
        answers, stored = read_answers(form)
    except AnswersRejected as rejected:
        return _project_page(request, session, project, answers=rejected.form, status=400)
    apply_changes(session, project, {"answers": stored, "readiness": scores(answers)}, who(signed_in.key))
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


@router.get("/projects/{project_id}/history")
def history_page(request: Request, project: ProjectPage, session: SessionDep) -> Response:
    """Who changed what and when in this project, newest first."""
    entries = project_history(session, project.id, limit=HISTORY_ROWS)
    return render(
        request,
        "project_history.html",
        {
            "title": f"History of {project.name}",
            "project": project,
            "entries": [history_row(entry) for entry in entries],
            "capped": len(entries) == HISTORY_ROWS,
        },
    )
