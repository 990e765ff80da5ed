"""Reading and annotating the journal: filters, hypothesis/inference edits with their history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, exists, false, func, select
from sqlmodel import Session

from service.models import Experiment, ExperimentRevision, Project
from service.models.text import unstorable_reason
from workers.families import family_of

TextField = Literal["hypothesis", "inference"]
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class JournalFilter:
    project_id: uuid.UUID | None = None
    dataset_id: uuid.UUID | None = None
    model_family: str | None = None
    tag: str | None = None
    kind: str | None = None
    grid_id: uuid.UUID | None = None
    assessment_id: uuid.UUID | None = None


def family_named(text: str) -> str:
    """A model family as a person types it into a filter (`workers.families.family_of`); text that names no
    family is kept as typed, so the filter finds nothing rather than failing."""
    return family_of(text) or text


def journal_query(team_id: uuid.UUID, where: JournalFilter) -> Select[Any]:
    query = (
        select(Experiment)
        .join(Project, Experiment.project_id == Project.id)
        .where(Project.team_id == team_id)
    )
    if any(unstorable_reason(text) for text in (where.model_family, where.tag) if text is not None):
        # Text no row can hold (a NUL) matches nothing; sent to Postgres it would be an error, not an answer.
        return query.where(false())
    if where.project_id is not None:
        query = query.where(Experiment.project_id == where.project_id)
    if where.dataset_id is not None:
        query = query.where(Experiment.dataset_id == where.dataset_id)
    if where.model_family is not None:
        query = query.where(Experiment.model_family == family_named(where.model_family))
    if where.kind is not None:
        query = query.where(Experiment.kind == where.kind)
    if where.grid_id is not None:
        query = query.where(Experiment.grid_id == where.grid_id)
    if where.assessment_id is not None:
        query = query.where(Experiment.assessment_id == where.assessment_id)
    if where.tag is not None:
        # Tags match in any case, as people type them ("Baseline" finds "baseline").
        tag = func.jsonb_array_elements_text(Experiment.tags).column_valued("tag")  # tags: a JSON list
        query = query.where(exists(select(1).where(func.lower(tag) == where.tag.strip().lower())))
    return query


def list_experiments(
    session: Session, team_id: uuid.UUID, where: JournalFilter, *, limit: int, offset: int
) -> tuple[list[Experiment], int]:
    """One page of the team's experiments, newest first, and how many match in all."""
    query = journal_query(team_id, where)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Experiment.created_at.desc(), Experiment.id).offset(offset).limit(limit)
    ).all()
    return list(rows), count


def edit_text(session: Session, experiment: Experiment, field: TextField, value: str, who: str) -> bool:
    """Change a hypothesis or an inference; the old text is kept as a revision. Returns whether it changed."""
    old = getattr(experiment, field)
    if value == old:
        return False
    session.add(
        ExperimentRevision(experiment_id=experiment.id, field=field, old_value=old, new_value=value, who=who)
    )
    setattr(experiment, field, value)
    session.add(experiment)
    return True


def revisions(session: Session, experiment_id: uuid.UUID) -> list[ExperimentRevision]:
    return list(
        session.scalars(
            select(ExperimentRevision)
            .where(ExperimentRevision.experiment_id == experiment_id)
            .order_by(ExperimentRevision.created_at, ExperimentRevision.id)
        ).all()
    )
