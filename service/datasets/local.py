"""The records a command-line run makes without an API key: team `local`, its projects by name, and
datasets registered from local files (the same bytes, target and positive class are one dataset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from service.artifacts import ArtifactStore
from service.database.engine import make_engine, resolve_database_url, session_scope
from service.database.migrate import upgrade_to_head
from service.datasets.intake import Inspection, forget_upload, record_dataset, store_upload, stored_suffix
from service.models import Dataset, Project, Team
from service.models.text import MAX_NAME_CHARS, require_storable
from service.settings import Settings
from workers.errors import InvalidOption
from workers.rubric.questionnaire import Answers
from workers.rubric.scoring import score_readiness

LOCAL_TEAM = "local"  # CLI runs without an API key belong to this team


def open_local(settings: Settings) -> tuple[Settings, Engine, ArtifactStore]:
    """The database (the embedded one unless READINESS_DATABASE_URL says otherwise) migrated to head, and
    the artifact store."""
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    engine = make_engine(settings.database_url or "")
    upgrade_to_head(engine)
    return settings, engine, ArtifactStore(settings.artifacts_path)


def check_project_name(name: str) -> str:
    """A project name as the API takes one: storable text of 1 to 200 characters (`InvalidOption` if not)."""
    require_storable(name, "the project name")
    if not name.strip() or len(name) > MAX_NAME_CHARS:
        raise InvalidOption(
            f"The project name must have 1 to {MAX_NAME_CHARS} characters; got {len(name):,}. Name it with --project."
        )
    return name


def local_project(session: Any, name: str, answers: Answers | None, test_budget: int) -> Project:
    team = session.scalar(select(Team).where(Team.name == LOCAL_TEAM))
    if team is None:
        team = Team(name=LOCAL_TEAM)
        session.add(team)
        session.flush()
    project = session.scalar(select(Project).where(Project.team_id == team.id, Project.name == name))
    if project is None:
        project = Project(team_id=team.id, name=name, test_budget=test_budget)
        session.add(project)
    if answers is not None:
        project.answers = answers.model_dump(mode="json", exclude_none=True)
        project.readiness = score_readiness(answers, None)
    session.flush()
    return project


def local_dataset(
    engine: Engine,
    artifacts: ArtifactStore,
    project: Project,
    path: Path,
    found: Inspection,
    *,
    max_bytes: int,
) -> Dataset:
    """Record the local file `found` inspected as a dataset of the project, as every door does (its bytes and
    what was parsed from them in the store, the row under the file's lock). The same bytes, target and
    positive class in a project are one dataset: its splits, and so its test budget, carry over from run to
    run."""
    suffix = stored_suffix(path.name)

    def store() -> tuple[str, int]:
        with path.open("rb") as handle:
            return store_upload(artifacts, handle, suffix=suffix, max_bytes=max_bytes)

    name, size = store()
    try:
        with session_scope(engine) as session:
            return record_dataset(
                session,
                artifacts,
                found.dataset_row(project_id=project.id, filename=path.name, stored_as=name, size=size),
                restore=store,
                found=found,
                reuse=True,
            )
    except BaseException:
        forget_upload(engine, artifacts, name)
        raise
