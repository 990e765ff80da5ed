"""Experiments: the lab journal. Submit one (a duplicate is refused unless it is a reasoned repeat), list
and filter, read one with the history of its text, write a hypothesis or an inference, export a journal."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from service.api.schemas.experiments import (
    ExperimentCreate,
    ExperimentDetail,
    ExperimentEdit,
    ExperimentPublic,
    ExperimentsPublic,
    RevisionPublic,
)
from service.journal.export import journal_csv, journal_markdown
from service.journal.journal import JournalFilter, edit_text, journal_query, list_experiments, revisions
from service.journal.procedures import ExperimentRequest
from service.journal.submit import submit_experiment
from service.models import Experiment
from service.web.deps import (
    CurrentKey,
    EngineDep,
    ExperimentDep,
    JobAppDep,
    PageDep,
    ProjectDep,
    SessionDep,
    team_dataset,
    who,
)
from service.web.errors import ErrorPublic
from workers.split import DEFAULT_SEED

router = APIRouter(tags=["experiments"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic, "description": "No such experiment in your team."}}


@router.post(
    "/experiments",
    response_model=ExperimentPublic,
    status_code=202,
    responses={
        404: {"model": ErrorPublic, "description": "No such dataset in your team."},
        409: {
            "model": ErrorPublic,
            "description": "The same procedure already ran on this data (duplicate_experiment); the answer "
            "carries the earlier `experiment` with its result. Send repeat: true and a repeat_reason to run "
            "it again on purpose.",
        },
        422: {
            "model": ErrorPublic,
            "description": "An unknown or out-of-range hyperparameter (invalid_option).",
        },
    },
)
def create_experiment(
    body: ExperimentCreate,
    session: SessionDep,
    key: CurrentKey,
    engine: EngineDep,
    job_app: JobAppDep,
    request: Request,
    response: Response,
) -> ExperimentPublic:
    """Queue one model run on a dataset's split; poll the Location for its result."""
    dataset, project = team_dataset(session, key, body.dataset_id)
    experiment = submit_experiment(
        engine,
        job_app,
        project=project,
        dataset=dataset,
        request=ExperimentRequest(
            model_family=body.model_family,
            hyperparameters=body.hyperparameters,
            seed=DEFAULT_SEED if body.seed is None else body.seed,
            split_seed=DEFAULT_SEED if body.split_seed is None else body.split_seed,
            train_fraction=body.train_fraction,
            keep_columns=tuple(body.keep_columns),
            device=body.device,
            hypothesis=body.hypothesis,
            tags=tuple(body.tags),
            repeat=body.repeat,
            repeat_reason=body.repeat_reason,
        ),
        who=who(key),
    )
    response.headers["Location"] = request.app.url_path_for(
        "get_experiment", experiment_id=str(experiment.id)
    )
    return ExperimentPublic.from_row(experiment)


@router.get("/experiments", response_model=ExperimentsPublic)
def list_journal(
    session: SessionDep,
    key: CurrentKey,
    page: PageDep,
    project_id: uuid.UUID | None = None,
    dataset_id: uuid.UUID | None = None,
    model_family: str | None = None,
    tag: str | None = None,
    kind: Literal["assessment", "single", "grid", "learning_curve"] | None = None,
    grid_id: uuid.UUID | None = None,
    assessment_id: uuid.UUID | None = None,
) -> ExperimentsPublic:
    """The team's experiments, newest first; filter by project, dataset, model family, tag or kind."""
    rows, count = list_experiments(
        session,
        key.team_id,
        JournalFilter(
            project_id=project_id,
            dataset_id=dataset_id,
            model_family=model_family,
            tag=tag,
            kind=kind,
            grid_id=grid_id,
            assessment_id=assessment_id,
        ),
        limit=page.limit,
        offset=page.offset,
    )
    return ExperimentsPublic(data=[ExperimentPublic.from_row(row) for row in rows], count=count)


def _detail(session: SessionDep, experiment: Experiment) -> ExperimentDetail:
    history = [RevisionPublic.from_row(r) for r in revisions(session, experiment.id)]
    return ExperimentDetail(**ExperimentPublic.from_row(experiment).model_dump(), revisions=history)


@router.get("/experiments/{experiment_id}", response_model=ExperimentDetail, responses=NOT_FOUND)
def get_experiment(experiment: ExperimentDep, session: SessionDep) -> ExperimentDetail:
    """One experiment: hypothesis, procedure, result, inference, and the history of its text."""
    return _detail(session, experiment)


@router.patch("/experiments/{experiment_id}", response_model=ExperimentDetail, responses=NOT_FOUND)
def edit_experiment(
    experiment: ExperimentDep, body: ExperimentEdit, session: SessionDep, key: CurrentKey
) -> ExperimentDetail:
    """Write or rewrite the hypothesis or the inference (the earlier text is kept), or set the tags."""
    if body.hypothesis is not None:
        edit_text(session, experiment, "hypothesis", body.hypothesis, who(key))
    if body.inference is not None:
        edit_text(session, experiment, "inference", body.inference, who(key))
    if body.tags is not None:
        experiment.tags = sorted(set(body.tags))
        session.add(experiment)
    session.commit()
    session.refresh(experiment)
    return _detail(session, experiment)


@router.get(
    "/projects/{project_id}/journal",
    responses={200: {"content": {"text/markdown": {}, "text/csv": {}}}, 404: {"model": ErrorPublic}},
    response_class=Response,
)
def export_journal(
    project: ProjectDep,
    session: SessionDep,
    key: CurrentKey,
    format: Annotated[Literal["markdown", "csv"], Query(description="markdown or csv")] = "markdown",
) -> Response:
    """The project's whole journal, oldest first: Markdown to read, CSV to analyse."""
    rows = session.scalars(
        journal_query(key.team_id, JournalFilter(project_id=project.id)).order_by(
            Experiment.created_at, Experiment.id
        )
    ).all()
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in project.name)[:60] or "journal"
    if format == "csv":
        body, media, suffix = journal_csv(rows), "text/csv; charset=utf-8", "csv"
    else:
        body, media, suffix = journal_markdown(project.name, rows), "text/markdown; charset=utf-8", "md"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}-journal.{suffix}"'},
    )
