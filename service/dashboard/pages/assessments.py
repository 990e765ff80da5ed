"""Assessments: the start form, the page that follows one live and then shows its results, cancelling,
and the report downloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from service.assessments.label_suspects import CSV_MEDIA_TYPE, assessment_suspects_csv, download_headers
from service.assessments.requests import AssessmentCreate
from service.assessments.submit import request_cancel, submit_assessment
from service.dashboard import live, queries
from service.dashboard.deps import AssessmentPage, CheckedForm, ProjectPage, SignedInDep, local_path
from service.dashboard.errors import PageNotFound
from service.dashboard.forms import field_errors, field_of, number, text
from service.dashboard.report_view import findings, results
from service.dashboard.templating import SECURITY_HEADERS, render
from service.ledger.budget import Budget
from service.models import Assessment, Dataset, Project
from service.web.deps import EngineDep, JobAppDep, SessionDep, SettingsDep, who
from workers.errors import ReadinessError, TestBudgetExhausted
from workers.report.html import render_html
from workers.report.model import as_report
from workers.split import DEFAULT_SEED

router = APIRouter()

DATASETS_OFFERED = 100
OPTION_FIELDS = (
    "seed",
    "device",
    "max_epochs",
    "n_resamples",
    "keep_columns",
    "split",
    "time_column",
    "group_column",
)
CHECKBOXES = ("run_deep", "learning_curve")
DEFAULTS = {
    "seed": str(DEFAULT_SEED),
    "device": "auto",
    "n_resamples": "1000",
    "split": "auto",
} | dict.fromkeys(CHECKBOXES, "on")


def _start_page(
    request: Request,
    project: Project,
    datasets: list[Dataset],
    *,
    budgets: dict[uuid.UUID, Budget],
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "assessment_new.html",
        {
            "title": f"Start an assessment of {project.name}",
            "project": project,
            "datasets": datasets,
            "budgets": budgets,
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/projects/{project_id}/assessments/new")
def start_form(request: Request, project: ProjectPage, session: SessionDep) -> Response:
    """The start form: which dataset, and the options the API takes."""
    datasets = queries.datasets_of(session, project.id, limit=DATASETS_OFFERED)
    newest = str(datasets[0].id) if datasets else ""
    values = DEFAULTS | {"dataset_id": request.query_params.get("dataset") or newest}
    budgets = queries.looks_left(session, datasets)
    return _start_page(request, project, datasets, budgets=budgets, values=values, errors={})


def _request_body(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The form as the API's request body, for the API's own model to validate."""
    return {
        "dataset_id": values["dataset_id"],
        "seed": number(values["seed"], errors, "seed"),
        "device": values["device"] or "auto",
        "max_epochs": number(values["max_epochs"], errors, "max_epochs"),
        "n_resamples": number(values["n_resamples"], errors, "n_resamples") or 1000,
        "run_deep": values["run_deep"] == "on",
        "learning_curve": values["learning_curve"] == "on",
        "keep_columns": [c.strip() for c in values["keep_columns"].split(",") if c.strip()],
        "split": values["split"] or "auto",
        "time_column": values["time_column"].strip() or None,
        "group_column": values["group_column"].strip() or None,
    }


@router.post("/projects/{project_id}/assessments/new")
def start(
    request: Request,
    project: ProjectPage,
    form: CheckedForm,
    signed_in: SignedInDep,
    session: SessionDep,
    engine: EngineDep,
    job_app: JobAppDep,
    settings: SettingsDep,
) -> Response:
    """Queue the assessment (as the API does) and follow it on its page."""
    values = {name: text(form, name) for name in ("dataset_id", *CHECKBOXES, *OPTION_FIELDS)}
    errors: dict[str, str] = {}
    datasets = queries.datasets_of(session, project.id, limit=DATASETS_OFFERED)
    dataset = None
    try:
        body = AssessmentCreate.model_validate(_request_body(values, errors))
    except ValidationError as error:
        errors = field_errors(error) | errors
    else:
        dataset = session.scalar(
            select(Dataset).where(Dataset.id == body.dataset_id, Dataset.project_id == project.id)
        )
    if dataset is None or errors:
        if dataset is None:  # none chosen, a malformed id, or another project's
            errors["dataset_id"] = "Choose one of this project's datasets."
        budgets = queries.looks_left(session, datasets)
        return _start_page(
            request, project, datasets, budgets=budgets, values=values, errors=errors, status=400
        )
    status = 400
    try:
        assessment = submit_assessment(
            engine,
            job_app,
            project=project,
            dataset=dataset,
            options=body.model_dump(exclude={"dataset_id"}, exclude_none=True),
            who=who(signed_in.key),
            settings=settings,
        )
    except ReadinessError as error:  # an option refused, the test budget of this split spent, and the like
        errors[field_of(error, OPTION_FIELDS, "form")] = error.detail
        if isinstance(error, TestBudgetExhausted):
            status = error.http_status  # 409, as the API answers: nothing was queued or trained
    else:
        return RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    budgets = queries.looks_left(session, datasets)
    return _start_page(
        request, project, datasets, budgets=budgets, values=values, errors=errors, status=status
    )


def _context(session: SessionDep, assessment: Assessment) -> dict[str, Any]:
    project = session.get(Project, assessment.project_id)
    dataset = session.get(Dataset, assessment.dataset_id)
    config = assessment.config or {}
    report = as_report(assessment.report) if assessment.report else None
    return {
        "title": f"Assessment of {dataset.filename}" if dataset else "Assessment",
        "assessment": assessment,
        "project": project,
        "dataset": dataset,
        "config": config,
        "max_epochs": (config.get("deep_params") or {}).get("max_epochs"),
        "live": live.progress(assessment),
        "poll_ms": live.POLL_MILLISECONDS,
        "view": results(report) if report else None,
        "findings": findings(report.checks if report else None),
    }


@router.get("/assessments/{assessment_id}")
def assessment_page(request: Request, assessment: AssessmentPage, session: SessionDep) -> Response:
    """Live progress while it runs; the results, verdict, charts and diagnostics once it is done."""
    return render(request, "assessment.html", _context(session, assessment))


@router.get("/assessments/{assessment_id}/progress")
def assessment_progress(assessment: AssessmentPage) -> JSONResponse:
    """What the page's poller reads every second while the assessment runs."""
    return JSONResponse(live.progress(assessment), headers={"Cache-Control": "no-store"})


@router.post("/assessments/{assessment_id}/cancel")
def cancel(
    assessment: AssessmentPage,
    form: CheckedForm,
    engine: EngineDep,
    job_app: JobAppDep,
    signed_in: SignedInDep,
) -> Response:
    """Cancel: a queued assessment at once, a running one at its next batch. A finished one is left be.
    Back to the page the button was on (a list sends `next`), else the assessment's page."""
    if assessment.status not in live.FINISHED:
        request_cancel(engine, job_app, assessment, who=who(signed_in.key))
    return RedirectResponse(
        local_path(text(form, "next") or f"/assessments/{assessment.id}"), status_code=303
    )


def _report(assessment: Assessment) -> dict[str, Any]:
    if not assessment.report:
        raise PageNotFound("This assessment has no report yet: it appears when the assessment succeeds.")
    return assessment.report


def _download_name(assessment: Assessment, suffix: str) -> str:
    return f"readiness-{str(assessment.id)[:8]}.{suffix}"


@router.get("/assessments/{assessment_id}/report.html")
def report_html(assessment: AssessmentPage) -> Response:
    """The self-contained HTML report, as `readiness assess --html-out` writes it."""
    response = HTMLResponse(render_html(_report(assessment)))
    response.headers["Content-Disposition"] = f'attachment; filename="{_download_name(assessment, "html")}"'
    response.headers["Cache-Control"] = SECURITY_HEADERS["Cache-Control"]
    return response


@router.get("/assessments/{assessment_id}/label-suspects.csv")
def label_suspects_csv(assessment: AssessmentPage) -> Response:
    """The rows most likely mislabelled, as the API's label-suspects.csv serves them."""
    response = Response(
        assessment_suspects_csv(assessment), media_type=CSV_MEDIA_TYPE, headers=download_headers(assessment)
    )
    response.headers["Cache-Control"] = SECURITY_HEADERS["Cache-Control"]
    return response


@router.get("/assessments/{assessment_id}/report.json")
def report_json(assessment: AssessmentPage) -> Response:
    """The JSON report, as `readiness assess --json-out` writes it."""
    response = Response(json.dumps(_report(assessment), indent=2), media_type="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{_download_name(assessment, "json")}"'
    response.headers["Cache-Control"] = SECURITY_HEADERS["Cache-Control"]
    return response
