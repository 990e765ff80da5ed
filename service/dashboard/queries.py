"""The dashboard's list queries: one round trip per list, only the columns a row shows, served by indexes.

Long lists page by OFFSET over ids alone and fetch the full rows for that page only: the rows an OFFSET
skips are never read whole (an assessment's report can be tens of kilobytes of JSON).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Select, cast, func, select, true
from sqlmodel import Session

from service.ledger import budget as ledger
from service.models import Assessment, AssessmentStatus, Dataset, Project, Split, TestLook

READINESS_LEVELS = ("ready", "promising_with_gaps", "not_ready", "insufficient_information")

_overall = cast(Project.readiness["overall"].astext, Float)
_level = Project.readiness["verdict"].astext
# Sort key -> (label, ORDER BY); the id last makes every order total, so pages never overlap.
PROJECT_SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "newest": ("Newest first", (Project.created_at.desc(), Project.id)),
    "oldest": ("Oldest first", (Project.created_at.asc(), Project.id)),
    "name": ("Name A–Z", (func.lower(Project.name), Project.id)),
    "readiness": ("Most ready first", (_overall.desc().nulls_last(), Project.id)),
    "readiness_low": ("Least ready first", (_overall.asc().nulls_last(), Project.id)),
}


@dataclass(frozen=True)
class ProjectFilter:
    text: str = ""  # part of the name, any case
    level: str = ""  # one of READINESS_LEVELS, or "" for all
    sort: str = "newest"

    def where(self, query: Select[Any], team_id: uuid.UUID) -> Select[Any]:
        query = query.where(Project.team_id == team_id)
        if self.text:
            escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(Project.name.ilike(f"%{escaped}%", escape="\\"))
        if self.level:
            query = query.where(_level == self.level)
        return query


def count_projects(session: Session, team_id: uuid.UUID, wanted: ProjectFilter) -> int:
    return int(session.scalar(wanted.where(select(func.count()).select_from(Project), team_id)) or 0)


def project_rows(
    session: Session, team_id: uuid.UUID, wanted: ProjectFilter, *, offset: int, limit: int
) -> list[Any]:
    """A page of projects with their overall readiness and the verdict of their latest finished
    assessment (one index probe per project on ix_assessment_project_created)."""
    latest = (
        select(
            Assessment.id.label("assessment_id"),
            Assessment.report["verdict"]["code"].astext.label("verdict"),
            Assessment.finished_at,
        )
        .where(Assessment.project_id == Project.id, Assessment.status == AssessmentStatus.succeeded)
        .order_by(Assessment.created_at.desc())
        .limit(1)
        .correlate(Project)
        .lateral("latest")
    )
    query = select(
        Project.id,
        Project.name,
        Project.description,
        Project.created_at,
        _overall.label("overall"),
        _level.label("level"),
        latest.c.assessment_id,
        latest.c.verdict,
    ).outerjoin(latest, true())
    order = PROJECT_SORTS.get(wanted.sort, PROJECT_SORTS["newest"])[1]
    return list(session.execute(wanted.where(query, team_id).order_by(*order).offset(offset).limit(limit)))


def count_assessments(session: Session, project_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Assessment).where(Assessment.project_id == project_id)
        )
        or 0
    )


def assessment_rows(session: Session, project_id: uuid.UUID, *, offset: int, limit: int) -> list[Any]:
    """A page of the project's assessments, newest first, without their reports (the verdict code aside)."""
    order = (Assessment.created_at.desc(), Assessment.id)
    page = (
        select(Assessment.id)
        .where(Assessment.project_id == project_id)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    query = (
        select(
            Assessment.id,
            Assessment.status,
            Assessment.stage,
            Assessment.progress,
            Assessment.cancel_requested,
            Assessment.error_code,
            Assessment.created_at,
            Assessment.finished_at,
            Assessment.created_by,
            Assessment.config["seed"].astext.label("seed"),
            Assessment.report["verdict"]["code"].astext.label("verdict"),
            Dataset.filename,
        )
        .join(page, page.c.id == Assessment.id)
        .join(Dataset, Dataset.id == Assessment.dataset_id)
        .order_by(*order)
    )
    return list(session.execute(query))


def datasets_of(session: Session, project_id: uuid.UUID, *, limit: int) -> list[Dataset]:
    return list(
        session.scalars(
            select(Dataset)
            .where(Dataset.project_id == project_id)
            .order_by(Dataset.created_at.desc(), Dataset.id)
            .limit(limit)
        )
    )


def count_datasets(session: Session, project_id: uuid.UUID) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Dataset).where(Dataset.project_id == project_id)) or 0
    )


@dataclass(frozen=True)
class Budget:
    """A split's test budget as the project page shows it: the split, its file, and the ledger's count."""

    split: Split
    filename: str
    budget: ledger.Budget

    @property
    def used(self) -> int:
        return self.budget.used

    @property
    def remaining(self) -> int:
        return self.budget.remaining


def budgets(session: Session, project_id: uuid.UUID) -> list[Budget]:
    rows = session.execute(
        select(Split, Dataset.filename)
        .join(Dataset, Split.dataset_id == Dataset.id)
        .where(Dataset.project_id == project_id)
        .order_by(Split.created_at, Split.seed)
    ).all()
    spent = ledger.budgets_of(session, [split for split, _ in rows])
    return [Budget(split, filename, budget) for (split, filename), budget in zip(rows, spent, strict=True)]


def looks_left(session: Session, datasets: list[Dataset]) -> dict[uuid.UUID, ledger.Budget]:
    """Each offered dataset's test budget, with the looks reserved by assessments in flight: the start form
    shows how many looks are left before one is asked for (datasets sharing a pool share one count)."""
    return {dataset.id: ledger.planned_budget(session, dataset.id, project_budget=0) for dataset in datasets}


def ledger_rows(session: Session, project_id: uuid.UUID, *, limit: int) -> list[Any]:
    """The newest looks at the project's test splits: who, when, which models, why."""
    return list(
        session.execute(
            select(
                TestLook.created_at,
                TestLook.who,
                TestLook.models,
                TestLook.reason,
                TestLook.assessment_id,
                Split.seed,
                Dataset.filename,
            )
            .join(Split, TestLook.split_id == Split.id)
            .join(Dataset, Split.dataset_id == Dataset.id)
            .where(Dataset.project_id == project_id)
            .order_by(TestLook.created_at.desc(), TestLook.id)
            .limit(limit)
        )
    )
