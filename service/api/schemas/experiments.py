"""Experiments: the lab journal's records, as the API takes and shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.assessments.requests import MAX_KEEP_COLUMNS
from service.assessments.submit import MAX_SEED
from service.journal.journal import MAX_TEXT_CHARS
from service.journal.requests import ModelFamily
from service.models import Experiment, ExperimentKind, ExperimentRevision, RunStatus
from service.models.text import ColumnText, StoredJson, StoredText, TagText


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: uuid.UUID = Field(description="A dataset of one of your projects.")
    model_family: ModelFamily
    hyperparameters: StoredJson = Field(
        default_factory=dict, description="Any not given take their defaults; the record shows them all."
    )
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="The training seed.")
    split_seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED, description="Which split (default: the default)."
    )
    train_fraction: float = Field(
        default=1.0, gt=0.0, le=1.0, description="Train on this share of the training split."
    )
    keep_columns: list[ColumnText] = Field(default_factory=list, max_length=MAX_KEEP_COLUMNS)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    hypothesis: StoredText = Field(
        default="", max_length=MAX_TEXT_CHARS, description="What you expect, and why."
    )
    tags: list[TagText] = Field(default_factory=list, max_length=20)
    repeat: bool = Field(default=False, description="Run it again although the same procedure already ran.")
    repeat_reason: StoredText | None = Field(
        default=None, max_length=2000, description="Why (needed with repeat)."
    )


class ExperimentEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hypothesis: StoredText | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    inference: StoredText | None = Field(
        default=None, max_length=MAX_TEXT_CHARS, description="What the result means; earlier text is kept."
    )
    tags: list[TagText] | None = Field(default=None, max_length=20)


class ExperimentError(BaseModel):
    code: str
    detail: str | None


class ExperimentPublic(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    grid_id: uuid.UUID | None
    kind: ExperimentKind
    model_family: str
    train_fraction: float
    seed: int
    procedure: dict[str, Any] = Field(description="The exact configuration, defaults filled in.")
    fingerprint: str = Field(description="SHA-256 of the canonical procedure.")
    repeat_of: uuid.UUID | None = Field(description="The earlier run of the same procedure, for a repeat.")
    repeat_reason: str | None
    hypothesis: str
    inference: str
    tags: list[str]
    status: RunStatus
    queue: str
    result: dict[str, Any] | None = Field(description="Validation metrics once it has run.")
    test_result: dict[str, Any] | None = Field(description="Test metrics, only after a budgeted look.")
    error: ExperimentError | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: Experiment) -> ExperimentPublic:
        fields = {name: getattr(row, name) for name in cls.model_fields if name != "error"}
        error = ExperimentError(code=row.error_code, detail=row.error_detail) if row.error_code else None
        return cls(**fields, error=error)


class RevisionPublic(BaseModel):
    field: str
    old_value: str
    new_value: str
    who: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: ExperimentRevision) -> RevisionPublic:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class ExperimentDetail(ExperimentPublic):
    revisions: list[RevisionPublic] = Field(description="Earlier hypotheses and inferences, oldest first.")


class ExperimentsPublic(BaseModel):
    data: list[ExperimentPublic]
    count: int
