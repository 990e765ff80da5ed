"""The journal's history as the Postgres store reads it: the newest succeeded assessment of every other
dataset of the team, and nothing of another team's."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.assessments.store import PostgresStore
from service.database.engine import session_scope
from service.models import Assessment, AssessmentStatus, Dataset, Project, Team

REPORT = json.loads((Path(__file__).parents[1] / "workers" / "fixtures" / "report_binary.json").read_text())


def _dataset(session, project: Project, name: str, sha: str) -> Dataset:
    dataset = Dataset(
        project_id=project.id,
        filename=name,
        sha256=sha,
        stored_as=f"{sha}.csv",
        size_bytes=1,
        target="y",
        rows=100,
        columns=3,
    )
    session.add(dataset)
    session.flush()
    return dataset


def _assessment(
    session, project: Project, dataset: Dataset, status: AssessmentStatus, report=None
) -> Assessment:
    row = Assessment(project_id=project.id, dataset_id=dataset.id, status=status, report=report)
    session.add(row)
    session.flush()
    return row


def test_history_reads_other_datasets_of_the_team_only(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        mine, theirs = Team(name="a"), Team(name="b")
        session.add_all([mine, theirs])
        session.flush()
        project, other = Project(team_id=mine.id, name="p"), Project(team_id=theirs.id, name="q")
        session.add_all([project, other])
        session.flush()
        current = _dataset(session, project, "now.csv", "a" * 64)
        past = _dataset(session, project, "past.csv", "b" * 64)
        _assessment(session, project, past, AssessmentStatus.succeeded, REPORT)
        _assessment(session, project, past, AssessmentStatus.failed)
        _assessment(session, project, current, AssessmentStatus.succeeded, REPORT)  # same data: not history
        _assessment(
            session, other, _dataset(session, other, "x.csv", "c" * 64), AssessmentStatus.succeeded, REPORT
        )
        me = _assessment(session, project, current, AssessmentStatus.running)
    history = PostgresStore(engine, ArtifactStore(tmp_path), me.id, who="t").history()
    assert [entry["dataset_name"] for entry in history] == ["past.csv"]
    entry = history[0]
    best = REPORT["comparison"]["best_baseline"]
    assert entry["best_baseline"] == best
    assert (
        entry["best_baseline_roc_auc"]
        == next(m for m in REPORT["models"] if m["name"] == best)["validation"]["roc_auc"]
    )
    assert (
        entry["n_features"] == len(REPORT["dataset"]["used_columns"])
        and 0.0 <= entry["categorical_share"] <= 1.0
    )
