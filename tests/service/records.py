"""Rows for service tests, made the way the service makes them (no shortcuts around the database)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.models import Dataset, Project, Team
from workers.data.loading import load_dataset


def project_with_dataset(
    engine: Engine,
    artifacts: ArtifactStore,
    path: Path,
    *,
    target: str,
    positive: str | None = None,
    team: str = "team-a",
    test_budget: int = 3,
) -> tuple[Project, Dataset]:
    stored = artifacts.put_bytes(path.read_bytes(), suffix=path.suffix)
    loaded = load_dataset(artifacts.path(stored), target=target, positive=positive)
    with session_scope(engine) as session:
        team_row = Team(name=team)
        session.add(team_row)
        session.flush()
        project = Project(team_id=team_row.id, name=f"{path.stem} project", test_budget=test_budget)
        session.add(project)
        session.flush()
        dataset = Dataset(
            project_id=project.id,
            filename=path.name,
            sha256=loaded.sha256,
            stored_as=stored,
            size_bytes=loaded.file_bytes,
            target=loaded.target,
            positive_label=loaded.positive_label,
            rows=loaded.n_rows,
            columns=len(loaded.columns),
            profile={"column_profiles": [p.to_dict() for p in loaded.columns.values()]},
        )
        session.add(dataset)
        session.flush()
        session.expunge_all()
    return project, dataset
