"""The lab journal: every model run is an experiment, with the history of what people wrote about it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field, time_field


class RunStatus(enum.StrEnum):
    """The life of one job-backed record (an experiment, a batch item)."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


FINISHED_STATUSES = (RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled)


class ExperimentKind(enum.StrEnum):
    assessment = "assessment"  # one of the models an assessment trained
    single = "single"  # submitted on its own
    grid = "grid"  # one point of a hyperparameter grid
    learning_curve = "learning_curve"  # one training-set size of an assessment's learning curve


class Experiment(SQLModel, table=True):
    """Hypothesis, procedure (the exact configuration), result and inference of one model run.

    `fingerprint` hashes the canonical procedure: the same fingerprint is the same experiment on the same
    data, which is refused (or warned about) unless it is an explicit, reasoned repeat."""

    __table_args__ = (Index("ix_experiment_project_created", "project_id", "created_at"),)
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    dataset_id: uuid.UUID = Field(foreign_key="dataset.id", index=True)
    split_id: uuid.UUID | None = Field(default=None, foreign_key="split.id")
    assessment_id: uuid.UUID | None = Field(default=None, foreign_key="assessment.id", index=True)
    grid_id: uuid.UUID | None = Field(default=None, foreign_key="grid.id", index=True)
    kind: ExperimentKind = Field(default=ExperimentKind.single, index=True)
    model_family: str = Field(max_length=40, index=True)
    train_fraction: float = 1.0
    seed: int
    procedure: dict[str, Any] = json_field(nullable=False)
    fingerprint: str = Field(max_length=64, index=True)
    repeat_of: uuid.UUID | None = Field(default=None, foreign_key="experiment.id")
    repeat_reason: str | None = None
    hypothesis: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    inference: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    status: RunStatus = Field(default=RunStatus.queued, index=True)
    queue: str = Field(default="cpu", max_length=40)
    job_id: int | None = None
    result: dict[str, Any] | None = json_field()
    test_result: dict[str, Any] | None = json_field()  # only once a budgeted look was spent on it
    error_code: str | None = Field(default=None, max_length=60)
    error_detail: str | None = None
    created_by: str = Field(max_length=200)
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()


class ExperimentRevision(SQLModel, table=True):
    """An edit of a hypothesis or an inference: the journal keeps what was written before."""

    __tablename__ = "experiment_revision"
    id: uuid.UUID = id_field()
    experiment_id: uuid.UUID = Field(foreign_key="experiment.id", index=True)
    field: str = Field(max_length=20)  # "hypothesis" | "inference"
    old_value: str
    new_value: str
    who: str = Field(max_length=200)
    created_at: datetime = created_field()
