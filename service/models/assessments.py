"""Assessments (one job each) and the persisted output of each finished stage."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field, time_field


class AssessmentStatus(enum.StrEnum):
    """queued → running → succeeded | failed | cancelled. An assessment whose learning-curve points run as
    jobs of their own goes running → waiting (no job of its own while the points run) → queued (the last
    point queued it again) → running."""

    queued = "queued"
    running = "running"
    waiting = "waiting"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class Assessment(SQLModel, table=True):
    __table_args__ = (Index("ix_assessment_project_created", "project_id", "created_at"),)
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    dataset_id: uuid.UUID = Field(foreign_key="dataset.id", index=True)
    split_id: uuid.UUID | None = Field(default=None, foreign_key="split.id")
    config: dict[str, Any] | None = json_field()
    status: AssessmentStatus = Field(default=AssessmentStatus.queued, index=True)
    queue: str = Field(default="cpu", max_length=20)
    job_id: int | None = None
    stage: str | None = None
    progress: float = 0.0
    progress_detail: dict[str, Any] | None = json_field()
    error_code: str | None = None
    error_detail: str | None = None
    cancel_requested: bool = False
    report: dict[str, Any] | None = json_field()
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()


class StageOutput(SQLModel, table=True):
    """A finished stage: its output lives in the artifact store under `artifact`."""

    __tablename__ = "stage_output"
    __table_args__ = (UniqueConstraint("assessment_id", "stage"),)
    id: uuid.UUID = id_field()
    assessment_id: uuid.UUID = Field(foreign_key="assessment.id", index=True)
    stage: str = Field(max_length=40)
    artifact: str = Field(max_length=120)  # name in the artifact store
    created_at: datetime = created_field()
