"""Injected dependencies: the database session, the app's shared objects, the caller's key, and the
caller's own projects, datasets, assessments and splits (anyone else's answer 404, like unknown ids)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import procrastinate
from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlmodel import Session

from service.artifacts import ArtifactStore
from service.auth import authenticate
from service.models import ApiKey, Assessment, Batch, Dataset, Experiment, Grid, Project, Split
from service.settings import Settings
from service.web.auth_first import CHECKED_KEY
from workers.errors import NotFound


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_artifacts(request: Request) -> ArtifactStore:
    return request.app.state.artifacts


def get_job_app(request: Request) -> procrastinate.App:
    return request.app.state.job_app


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ArtifactsDep = Annotated[ArtifactStore, Depends(get_artifacts)]
JobAppDep = Annotated[procrastinate.App, Depends(get_job_app)]


async def get_db(engine: EngineDep) -> AsyncIterator[Session]:
    """The request's session, closed (its connection back in the pool) once the response is made.

    Async, so that closing it runs on the event loop and never waits for a thread of the pool the routes
    share (see `service.web.concurrency`); closing costs one quick rollback."""
    # Rows stay readable after a commit: lookups end their transaction at once (`release`), and the
    # route goes on with what they found.
    with Session(engine, expire_on_commit=False) as session:
        yield session


def release(session: Session) -> None:
    """End the session's read-only transaction, so its connection goes back to the pool: a request holds
    no connection while it does slow work (an upload, scoring) between its lookups and its writes."""
    session.commit()


SessionDep = Annotated[Session, Depends(get_db)]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_OFFSET = 2**63 - 1  # Postgres takes OFFSET as a bigint

bearer_scheme = HTTPBearer(auto_error=False, description="An API key: `readiness keys create --team NAME`.")


def current_key(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiKey:
    checked = getattr(request.state, CHECKED_KEY, None)  # `service.web.auth_first` checked it already
    if checked is not None:
        return checked
    key = authenticate(session, credentials.credentials if credentials else None)
    release(session)
    return key


CurrentKey = Annotated[ApiKey, Depends(current_key)]


def who(key: ApiKey) -> str:
    """How the caller is named in audit rows (ledger, budget changes, assessments, experiments, grids,
    batches, project changes): the person the key belongs to, with the key's prefix to tell their keys apart."""
    return f"{key.person} ({key.prefix}…)"


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page)]


def parse_id(raw: str, what: str) -> uuid.UUID:
    """A path id; a malformed one is as unknown as a well-formed id that matches nothing."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"{what} {raw} not found") from None


def _owned(session: Session, key: ApiKey, query: Any, raw: str, what: str) -> Any:
    row = session.scalar(query.where(Project.team_id == key.team_id))
    release(session)
    if row is None:
        raise NotFound(f"{what} {raw} not found")
    return row


def owned_project(
    project_id: Annotated[str, Path(description="The project's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Project:
    pid = parse_id(project_id, "Project")
    return _owned(session, key, select(Project).where(Project.id == pid), project_id, "Project")


def owned_dataset(
    dataset_id: Annotated[str, Path(description="The dataset's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Dataset:
    did = parse_id(dataset_id, "Dataset")
    query = select(Dataset).join(Project, Dataset.project_id == Project.id).where(Dataset.id == did)
    return _owned(session, key, query, dataset_id, "Dataset")


def owned_assessment(
    assessment_id: Annotated[str, Path(description="The assessment's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Assessment:
    aid = parse_id(assessment_id, "Assessment")
    query = select(Assessment).join(Project, Assessment.project_id == Project.id).where(Assessment.id == aid)
    return _owned(session, key, query, assessment_id, "Assessment")


def team_dataset(session: Session, key: ApiKey, dataset_id: uuid.UUID) -> tuple[Dataset, Project]:
    """A dataset named in a request body (not the path), with its project: 404 unless it is the team's."""
    row = session.execute(
        select(Dataset, Project)
        .join(Project, Dataset.project_id == Project.id)
        .where(Dataset.id == dataset_id, Project.team_id == key.team_id)
    ).first()
    if row is None:
        raise NotFound(f"Dataset {dataset_id} not found")
    return row[0], row[1]


def owned_split(
    split_id: Annotated[str, Path(description="The split's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Split:
    sid = parse_id(split_id, "Split")
    query = (
        select(Split)
        .join(Dataset, Split.dataset_id == Dataset.id)
        .join(Project, Dataset.project_id == Project.id)
        .where(Split.id == sid)
    )
    return _owned(session, key, query, split_id, "Split")


def owned_experiment(
    experiment_id: Annotated[str, Path(description="The experiment's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Experiment:
    eid = parse_id(experiment_id, "Experiment")
    query = select(Experiment).join(Project, Experiment.project_id == Project.id).where(Experiment.id == eid)
    return _owned(session, key, query, experiment_id, "Experiment")


def owned_grid(
    grid_id: Annotated[str, Path(description="The grid's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Grid:
    gid = parse_id(grid_id, "Grid")
    return _owned(
        session,
        key,
        select(Grid).join(Project, Grid.project_id == Project.id).where(Grid.id == gid),
        grid_id,
        "Grid",
    )


def owned_batch(
    batch_id: Annotated[str, Path(description="The batch's id (a UUID).")],
    session: SessionDep,
    key: CurrentKey,
) -> Batch:
    bid = parse_id(batch_id, "Batch")
    row = session.scalar(select(Batch).where(Batch.id == bid, Batch.team_id == key.team_id))
    release(session)
    if row is None:
        raise NotFound(f"Batch {batch_id} not found")
    return row


ProjectDep = Annotated[Project, Depends(owned_project)]
DatasetDep = Annotated[Dataset, Depends(owned_dataset)]
AssessmentDep = Annotated[Assessment, Depends(owned_assessment)]
SplitDep = Annotated[Split, Depends(owned_split)]
ExperimentDep = Annotated[Experiment, Depends(owned_experiment)]
GridDep = Annotated[Grid, Depends(owned_grid)]
BatchDep = Annotated[Batch, Depends(owned_batch)]
