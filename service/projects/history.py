"""A project's history: one time-ordered list, newest first, of who did what and when — answer and name
edits, assessments started and cancelled, test looks and promotions, budget raises, experiments and their
note edits, grids. Read from the audit rows each part already keeps; nothing is written here."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from service.models import (
    Assessment,
    BudgetChange,
    Dataset,
    Experiment,
    ExperimentKind,
    ExperimentRevision,
    Grid,
    ProjectChange,
    Split,
    TestLook,
)

CANCEL_FIELD = "assessment "  # a ProjectChange of this field prefix is a cancel request (service.assessments)
PROMOTION_KEY = "experiment:"  # a test look spent on an experiment's model (service.journal.promotion)


class HistoryKind(enum.StrEnum):
    project_edited = "project_edited"
    answer_edited = "answer_edited"
    assessment_started = "assessment_started"
    assessment_cancelled = "assessment_cancelled"
    test_look = "test_look"
    promotion = "promotion"
    budget_raised = "budget_raised"
    experiment = "experiment"
    experiment_note_edited = "experiment_note_edited"
    grid = "grid"


class HistoryEntry(BaseModel):
    at: datetime
    who: str = Field(description="The person who did it (their key's prefix alongside), or `… (cli)`.")
    kind: HistoryKind
    summary: str = Field(description="What changed, in a line: old → new for an edit.")
    subject_id: uuid.UUID | None = Field(
        default=None, description="The assessment, experiment or grid the entry is about."
    )


def _edits(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.scalars(
        select(ProjectChange)
        .where(ProjectChange.project_id == project_id)
        .order_by(ProjectChange.created_at.desc())
        .limit(limit)
    ).all()
    entries = []
    for row in rows:
        if row.field.startswith(CANCEL_FIELD):
            subject = uuid.UUID(row.field.removeprefix(CANCEL_FIELD))
            entries.append(
                HistoryEntry(
                    at=row.created_at,
                    who=row.who,
                    kind=HistoryKind.assessment_cancelled,
                    summary=f"Assessment {str(subject)[:8]}: {row.old_value} → {row.new_value}",
                    subject_id=subject,
                )
            )
            continue
        answer = row.field.startswith("answers.")
        entries.append(
            HistoryEntry(
                at=row.created_at,
                who=row.who,
                kind=HistoryKind.answer_edited if answer else HistoryKind.project_edited,
                summary=f"{row.field.removeprefix('answers.')}: {row.old_value} → {row.new_value}",
            )
        )
    return entries


def _assessments(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.execute(
        select(
            Assessment.id, Assessment.created_at, Assessment.created_by, Assessment.status, Dataset.filename
        )
        .join(Dataset, Dataset.id == Assessment.dataset_id)
        .where(Assessment.project_id == project_id)
        .order_by(Assessment.created_at.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            at=row.created_at,
            who=row.created_by or "worker",
            kind=HistoryKind.assessment_started,
            summary=f"Assessment {str(row.id)[:8]} of {row.filename} started (now {row.status.value})",
            subject_id=row.id,
        )
        for row in rows
    ]


def _split_rows(project_id: uuid.UUID) -> Any:
    """The project's splits, for the ledger's rows (a look and a raise are kept per split)."""
    return (
        select(Split.id).join(Dataset, Dataset.id == Split.dataset_id).where(Dataset.project_id == project_id)
    )


def _looks(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.scalars(
        select(TestLook)
        .where(TestLook.split_id.in_(_split_rows(project_id)))
        .order_by(TestLook.created_at.desc())
        .limit(limit)
    ).all()
    entries = []
    for row in rows:
        promoted = row.key.startswith(PROMOTION_KEY)
        models = ", ".join(row.models or [])
        subject = uuid.UUID(row.key.removeprefix(PROMOTION_KEY)) if promoted else row.assessment_id
        what = "Promoted to a test look" if promoted else "Looked at the test split"
        entries.append(
            HistoryEntry(
                at=row.created_at,
                who=row.who,
                kind=HistoryKind.promotion if promoted else HistoryKind.test_look,
                summary=f"{what}{f' ({models})' if models else ''}: {row.reason}",
                subject_id=subject,
            )
        )
    return entries


def _raises(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.scalars(
        select(BudgetChange)
        .where(BudgetChange.split_id.in_(_split_rows(project_id)))
        .order_by(BudgetChange.created_at.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            at=row.created_at,
            who=row.who,
            kind=HistoryKind.budget_raised,
            summary=f"Test budget raised {row.old_limit} → {row.new_limit}: {row.reason}",
        )
        for row in rows
    ]


def _experiments(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    # Only experiments someone submitted: a grid's points are its grid's entry, an assessment's models its own.
    rows = session.scalars(
        select(Experiment)
        .where(Experiment.project_id == project_id, Experiment.kind == ExperimentKind.single)
        .order_by(Experiment.created_at.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            at=row.created_at,
            who=row.created_by,
            kind=HistoryKind.experiment,
            summary=f"Experiment {row.model_family}{f': {row.hypothesis}' if row.hypothesis else ''}",
            subject_id=row.id,
        )
        for row in rows
    ]


def _notes(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.scalars(
        select(ExperimentRevision)
        .join(Experiment, Experiment.id == ExperimentRevision.experiment_id)
        .where(Experiment.project_id == project_id)
        .order_by(ExperimentRevision.created_at.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            at=row.created_at,
            who=row.who,
            kind=HistoryKind.experiment_note_edited,
            summary=f"Experiment {str(row.experiment_id)[:8]} {row.field}: {row.new_value}",
            subject_id=row.experiment_id,
        )
        for row in rows
    ]


def _grids(session: Session, project_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
    rows = session.scalars(
        select(Grid).where(Grid.project_id == project_id).order_by(Grid.created_at.desc()).limit(limit)
    ).all()
    return [
        HistoryEntry(
            at=row.created_at,
            who=row.created_by,
            kind=HistoryKind.grid,
            summary=f"Grid {row.name or row.model_family} ({row.points} points)"
            + (f": {row.hypothesis}" if row.hypothesis else ""),
            subject_id=row.id,
        )
        for row in rows
    ]


SOURCES = (_edits, _assessments, _looks, _raises, _experiments, _notes, _grids)


BIGINT_MAX = 2**63 - 1


def project_history(
    session: Session, project_id: uuid.UUID, *, limit: int, offset: int = 0
) -> list[HistoryEntry]:
    """A page of the project's history, newest first. Each source gives at most its newest `offset + limit`
    entries, which is all a page of the merged list can draw on."""
    # Each source's LIMIT is a Postgres bigint: a page far past the end (offset near 2**63) asks for all rows.
    wanted = min(offset + limit, BIGINT_MAX)
    entries = [entry for source in SOURCES for entry in source(session, project_id, wanted)]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[offset:wanted]
