"""Acting on grids from the dashboard: start one (family, a line per hyperparameter, split seed,
hypothesis), cancel its waiting points, and promote a point to its look at the test split. Each calls the
use case the API calls; a refusal is answered beside its field, the form refilled."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import col

from service.dashboard import queries
from service.dashboard.deps import CheckedForm, ProjectPage, SignedInDep, local_path
from service.dashboard.forms import field_errors, number, text
from service.dashboard.grid_form import default_lines, family_choices, family_fields, read_grid
from service.dashboard.pages.grids import GridPage, grid_view
from service.dashboard.templating import render
from service.journal.grid_actions import cancel_grid, promote_grid
from service.journal.grids import GridRequest, submit_grid
from service.journal.requests import GridCreate
from service.models import Dataset, Project
from service.web.deps import ArtifactsDep, EngineDep, JobAppDep, SessionDep, who
from workers.errors import InvalidOption, ReadinessError
from workers.families import FAMILIES, LOGISTIC_REGRESSION
from workers.split import DEFAULT_SEED

router = APIRouter()

DATASETS_OFFERED = 100
PLAIN_FIELDS = ("dataset_id", "split_seed", "seed", "name", "hypothesis")
PROMOTE_FIELDS = ("reason", "experiment_id")


def _family(raw: str | None) -> str:
    return raw if raw in FAMILIES else LOGISTIC_REGRESSION


def _start_page(
    request: Request,
    project: Project,
    datasets: list[Dataset],
    *,
    family: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "grid_new.html",
        {
            "title": f"Start a grid in {project.name}",
            "project": project,
            "datasets": datasets,
            "family": family,
            "families": family_choices(),
            "fields": family_fields(family),
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/projects/{project_id}/grids/new")
def start_form(request: Request, project: ProjectPage, session: SessionDep) -> Response:
    """The grid form for one family (`?family=`), filled with that family's default grid."""
    family = _family(request.query_params.get("family"))
    datasets = queries.datasets_of(session, project.id, limit=DATASETS_OFFERED)
    chosen = request.query_params.get("dataset") or (str(datasets[0].id) if datasets else "")
    values = {"dataset_id": chosen, "split_seed": str(DEFAULT_SEED)} | default_lines(family)
    return _start_page(request, project, datasets, family=family, values=values, errors={})


@router.post("/projects/{project_id}/grids/new")
def start(
    request: Request,
    project: ProjectPage,
    form: CheckedForm,
    signed_in: SignedInDep,
    session: SessionDep,
    engine: EngineDep,
    job_app: JobAppDep,
) -> Response:
    """Validate as the API does (its request model and the grid code), then record and queue the grid."""
    family = _family(text(form, "model_family"))
    fields = family_fields(family)
    values = {name: text(form, name) for name in (*PLAIN_FIELDS, *(f.name for f in fields))}
    errors: dict[str, str] = {}
    grid = read_grid(family, values, errors)
    body: dict[str, Any] = {
        "dataset_id": values["dataset_id"],
        "model_family": family,
        "grid": grid,
        "split_seed": number(values["split_seed"], errors, "split_seed"),
        "seed": number(values["seed"], errors, "seed"),
        "name": values["name"],
        "hypothesis": values["hypothesis"],
    }
    datasets = queries.datasets_of(session, project.id, limit=DATASETS_OFFERED)
    dataset = None
    try:
        checked = GridCreate.model_validate(body)
    except ValidationError as error:
        errors = field_errors(error) | errors
    else:
        dataset = session.scalar(
            select(Dataset).where(
                col(Dataset.id) == checked.dataset_id, col(Dataset.project_id) == project.id
            )
        )
        if dataset is None:
            errors["dataset_id"] = "Choose one of this project's datasets."
    if errors or dataset is None:
        return _start_page(
            request, project, datasets, family=family, values=values, errors=errors, status=400
        )
    try:
        created = submit_grid(
            engine,
            job_app,
            project=project,
            dataset=dataset,
            request=GridRequest(
                model_family=family,
                grid=checked.grid,
                seed=DEFAULT_SEED if checked.seed is None else checked.seed,
                split_seed=DEFAULT_SEED if checked.split_seed is None else checked.split_seed,
                name=checked.name,
                hypothesis=checked.hypothesis,
            ),
            who=who(signed_in.key),
        )
    except ReadinessError as error:  # the grid as a whole refused (too many points), nothing written
        errors["form"] = error.detail
        return _start_page(
            request, project, datasets, family=family, values=values, errors=errors, status=400
        )
    return RedirectResponse(f"/grids/{created.id}", status_code=303)


@router.post("/grids/{grid_id}/cancel")
def cancel(grid: GridPage, form: CheckedForm, engine: EngineDep, job_app: JobAppDep) -> Response:
    """Withdraw the grid's waiting points; back to the page the button was on (the list or the grid)."""
    cancel_grid(engine, job_app, grid)
    return RedirectResponse(local_path(text(form, "next") or f"/grids/{grid.id}"), status_code=303)


@router.post("/grids/{grid_id}/promote")
def promote(
    request: Request,
    grid: GridPage,
    form: CheckedForm,
    signed_in: SignedInDep,
    session: SessionDep,
    engine: EngineDep,
    artifacts: ArtifactsDep,
) -> Response:
    """Look at the test split once with the chosen point (default: the leaderboard's best)."""
    values = {name: text(form, name) for name in PROMOTE_FIELDS}
    chosen: uuid.UUID | None = None
    errors: dict[str, str] = {}
    if values["experiment_id"]:
        try:
            chosen = uuid.UUID(values["experiment_id"])
        except ValueError:
            errors["experiment_id"] = "Choose one of the grid's points."
    if not errors:
        try:
            promote_grid(
                engine,
                session,
                artifacts,
                grid,
                reason=values["reason"],
                who=who(signed_in.key),
                experiment_id=chosen,
            )
        except ReadinessError as error:  # no reason, no scored point yet, or no look left (409)
            # The one refusal of the plain kind is the missing reason; a 404 is a point not of this grid.
            field = (
                "reason"
                if error.code == InvalidOption.code
                else "experiment_id"
                if error.http_status == 404
                else "form"
            )
            errors[field] = error.detail
            status = 409 if error.http_status == 409 else 400  # 409: no look left, or nothing scored yet
            return grid_view(request, grid, session, promote=(values, errors), status=status)
        return RedirectResponse(f"/grids/{grid.id}#promoted", status_code=303)
    return grid_view(request, grid, session, promote=(values, errors), status=400)
