"""The lab journal: the team's experiments (filtered, paged), one experiment with its hypothesis and
inference editable in place (the old text kept as revisions), several side by side, and a project's
journal exported as Markdown or CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from service.dashboard.deps import CheckedForm, ProjectPage, SignedInDep, _owned, _uuid
from service.dashboard.errors import PageNotFound
from service.dashboard.forms import text
from service.dashboard.pagination import Pagination
from service.dashboard.sessions import SignedIn
from service.dashboard.templating import render
from service.journal.export import hyperparameter_text, journal_csv, journal_markdown
from service.journal.journal import (
    MAX_TEXT_CHARS,
    JournalFilter,
    edit_text,
    journal_query,
    list_experiments,
    revisions,
)
from service.models import Experiment, ExperimentKind, Project
from service.models.text import unstorable_reason
from service.web.deps import SessionDep, who
from workers.report import charts
from workers.report.html import words

router = APIRouter()

EXPERIMENTS_PER_PAGE = 25
MAX_COMPARED = 6  # columns that still fit side by side
TEXT_FIELDS = ("hypothesis", "inference")
PROCEDURE_ROWS = ("model_family", "kind", "train_fraction", "seed", "split_seed", "dataset_sha256", "status")


def owned_experiment(
    experiment_id: Annotated[str, Path()], session: SessionDep, who: SignedInDep
) -> Experiment:
    return _experiment(session, who, experiment_id)


def _experiment(session: Session, who: SignedIn, raw: str) -> Experiment:
    query = (
        select(Experiment)
        .join(Project, Experiment.project_id == Project.id)
        .where(Experiment.id == _uuid(raw, "experiment"))
    )
    return _owned(session, who, query, raw, "experiment")


ExperimentPage = Annotated[Experiment, Depends(owned_experiment)]


def validation_auc(experiment: Experiment) -> float | None:
    return ((experiment.result or {}).get("validation") or {}).get("roc_auc")


def test_auc(experiment: Experiment) -> dict[str, Any] | None:
    """The test ROC-AUC with its interval, only when a budgeted look was spent on the experiment."""
    metrics = (experiment.test_result or {}).get("metrics") or {}
    value = metrics.get("roc_auc")
    return value if isinstance(value, dict) and value.get("value") is not None else None


def row(experiment: Experiment) -> dict[str, Any]:
    return {
        "e": experiment,
        "params": hyperparameter_text(experiment),
        "validation": validation_auc(experiment),
        "test": test_auc(experiment),
    }


def _filter(request: Request) -> tuple[JournalFilter, dict[str, str]]:
    query = request.query_params
    shown = {name: query.get(name, "").strip()[:200] for name in ("project", "model_family", "kind", "tag")}
    try:
        project_id = uuid.UUID(shown["project"]) if shown["project"] else None
    except ValueError:
        project_id, shown["project"] = None, ""
    if shown["kind"] not in {k.value for k in ExperimentKind}:
        shown["kind"] = ""
    wanted = JournalFilter(
        project_id=project_id,
        model_family=shown["model_family"] or None,
        kind=shown["kind"] or None,
        tag=shown["tag"] or None,
    )
    return wanted, shown


@router.get("/journal")
def journal(request: Request, who: SignedInDep, session: SessionDep) -> Response:
    """The team's experiments, newest first, with their results and any duplicate warning."""
    wanted, shown = _filter(request)
    _, total = list_experiments(session, who.team_id, wanted, limit=0, offset=0)
    pages = Pagination.of(request.query_params, per_page=EXPERIMENTS_PER_PAGE, total=total, path="/journal")
    rows, _ = list_experiments(session, who.team_id, wanted, limit=pages.per_page, offset=pages.offset)
    projects = session.execute(
        select(Project.id, Project.name).where(Project.team_id == who.team_id).order_by(Project.name)
    ).all()
    return render(
        request,
        "journal.html",
        {
            "title": "Journal",
            "nav": "journal",
            "rows": [row(e) | {"project": dict(projects).get(e.project_id, "")} for e in rows],
            "pages": pages,
            "shown": shown,
            "filtered": any(shown.values()),
            "projects": projects,
            "kinds": [k.value for k in ExperimentKind],
        },
    )


@router.get("/journal/compare")
def compare(
    request: Request,
    who: SignedInDep,
    session: SessionDep,
    id: Annotated[list[str], Query()] = [],  # noqa: B006
    all: bool = False,
) -> Response:
    """Two or more experiments side by side: by default only the fields that differ (`all=1`: every one),
    the best score marked, their validation ROC curves on one chart."""
    ids = list(dict.fromkeys(id))[:MAX_COMPARED]
    experiments = [_experiment(session, who, raw) for raw in ids]
    if len(experiments) < 2:
        return render(
            request,
            "journal_compare.html",
            {"title": "Compare experiments", "nav": "journal", "columns": [], "rows": []},
            status_code=400,
        )
    rows = comparison_rows(experiments)
    columns = [row(e) for e in experiments]
    return render(
        request,
        "journal_compare.html",
        {
            "title": "Compare experiments",
            "nav": "journal",
            "columns": columns,
            "rows": rows if all else [r for r in rows if r["differ"]],
            "hidden": 0 if all else sum(not r["differ"] for r in rows),
            "all": all,
            "ids": ids,
            "best_validation": best_positions([c["validation"] for c in columns]),
            "best_test": best_positions([(c["test"] or {}).get("value") for c in columns]),
            "roc": validation_roc_chart(experiments),
        },
    )


def best_positions(values: list[Any]) -> set[int]:
    """Where the highest score is (every tied place); none when fewer than two experiments have a score."""
    scored = [(i, v) for i, v in enumerate(values) if isinstance(v, int | float)]
    if len(scored) < 2:
        return set()
    top = max(v for _, v in scored)
    return {i for i, v in scored if v == top}


def validation_roc_chart(experiments: list[Experiment]) -> dict[str, Any]:
    """The validation ROC curves that the experiments stored (two-class runs since the journal keeps them),
    overlaid on one chart, and the ones without a stored curve named."""
    series, missing = [], []
    for e in experiments:
        curve = (e.result or {}).get("validation_roc") or {}
        name = f"{words(e.model_family)} {str(e.id)[:8]}"
        if curve.get("fpr") and curve.get("tpr"):
            series.append(charts.Series(name, curve["fpr"], curve["tpr"]))
        else:
            missing.append(name)
    svg = (
        charts.line_chart(
            series,
            title="ROC curves, validation split",
            x_label="false positive rate",
            y_label="true positive rate",
            x_range=(0.0, 1.0),
            y_range=(0.0, 1.0),
            diagonal=True,
            description="Higher and further left is better; the dashed diagonal ranks at random.",
            chart_id="chart-compare-roc",
        )
        if series
        else None
    )
    return {"svg": Markup(svg) if svg else None, "missing": missing}


def comparison_rows(experiments: list[Experiment]) -> list[dict[str, Any]]:
    """One row per procedure field and hyperparameter: its values, and whether they differ."""

    def procedure_value(e: Experiment, name: str) -> Any:
        if name in ("model_family", "train_fraction", "seed"):
            return getattr(e, name)
        if name in ("kind", "status"):
            return getattr(e, name).value
        return (e.procedure or {}).get(name)

    rows = [(name, [procedure_value(e, name) for e in experiments]) for name in PROCEDURE_ROWS]
    params = [(e.procedure or {}).get("hyperparameters") or {} for e in experiments]
    for name in sorted({n for p in params for n in p}):
        rows.append((name, [p.get(name, "—") for p in params]))
    return [
        {
            "name": name,
            "cells": ["—" if v is None else v for v in values],
            "differ": len(set(map(str, values))) > 1,
        }
        for name, values in rows
    ]


def _experiment_page(
    request: Request,
    session: Session,
    experiment: Experiment,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    project = session.get(Project, experiment.project_id)
    procedure = experiment.procedure or {}
    return render(
        request,
        "journal_experiment.html",
        {
            "title": f"Experiment {str(experiment.id)[:8]}",
            "nav": "journal",
            "e": experiment,
            "project": project,
            "hyperparameters": sorted((procedure.get("hyperparameters") or {}).items()),
            "versions": sorted((procedure.get("versions") or {}).items()),
            "procedure": procedure,
            "validation": (experiment.result or {}).get("validation") or {},
            "test": test_auc(experiment),
            "revisions": revisions(session, experiment.id),
            "errors": errors or {},
            "values": values or {name: getattr(experiment, name) for name in TEXT_FIELDS},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status,
    )


@router.get("/journal/{experiment_id}")
def experiment_page(request: Request, experiment: ExperimentPage, session: SessionDep) -> Response:
    """One experiment: hypothesis, procedure, result and inference, with the history of its text."""
    return _experiment_page(request, session, experiment)


@router.post("/journal/{experiment_id}/{field}")
def edit_experiment_text(
    request: Request,
    experiment: ExperimentPage,
    field: str,
    form: CheckedForm,
    who_: SignedInDep,
    session: SessionDep,
) -> Response:
    """A new hypothesis or inference; the text it replaces is kept as a revision."""
    if field not in TEXT_FIELDS:
        raise PageNotFound(f"An experiment has no field {field!r} to edit.")
    value = text(form, field)
    problem = unstorable_reason(value)
    if problem is None and len(value) > MAX_TEXT_CHARS:
        problem = f"must be at most {MAX_TEXT_CHARS:,} characters; this is {len(value):,}"
    if problem is not None:
        values = {name: getattr(experiment, name) for name in TEXT_FIELDS} | {field: value}
        return _experiment_page(
            request, session, experiment, errors={field: problem}, values=values, status=400
        )
    edit_text(session, experiment, field, value, who(who_.key))
    session.commit()
    return RedirectResponse(f"/journal/{experiment.id}?saved={field}#{field}", status_code=303)


def _export(session: Session, who: SignedIn, project: Project) -> tuple[list[Experiment], str]:
    rows = session.scalars(
        journal_query(who.team_id, JournalFilter(project_id=project.id)).order_by(
            Experiment.created_at, Experiment.id
        )
    ).all()
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in project.name)[:60] or "journal"
    return list(rows), stem


@router.get("/projects/{project_id}/journal.md")
def journal_md(project: ProjectPage, who: SignedInDep, session: SessionDep) -> Response:
    """The project's whole journal as Markdown, oldest first."""
    rows, stem = _export(session, who, project)
    return Response(
        journal_markdown(project.name, rows),
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-journal.md"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/projects/{project_id}/journal.csv")
def journal_as_csv(project: ProjectPage, who: SignedInDep, session: SessionDep) -> Response:
    """The project's whole journal as CSV, oldest first."""
    rows, stem = _export(session, who, project)
    return Response(
        journal_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-journal.csv"',
            "Cache-Control": "no-store",
        },
    )
