"""Batches: each item with the record it made and its progress, and the batch's status derived from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.batches import BatchStatus, ItemStatus

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Kind = Literal["project", "dataset", "assessment", "grid"]


class BatchItemError(BaseModel):
    code: str | None
    detail: str | None


class BatchItemPublic(BaseModel):
    position: int = Field(description="The item's place in the batch file (1 = the first).")
    kind: Kind
    label: str = Field(description="How the batch file names it.")
    target_id: uuid.UUID | None = Field(
        description="The record it made: GET /projects, /datasets, /assessments or /grids/{id}."
    )
    status: Status = Field(description="A project or dataset has succeeded once created.")
    progress: float = Field(description="0..1 over the whole item.")
    detail: str = Field(description="The progress in words.")
    stage: str | None = Field(description="An assessment's current stage.")
    done: int | None = Field(description="A grid's points that have ended, of `total`.")
    total: int | None
    error: BatchItemError | None
    result: dict[str, Any] = Field(
        description="Headline numbers: an assessment's verdict, best model and its validation and test "
        "ROC-AUC; a grid's best validation ROC-AUC; a dataset's rows and columns; a project's readiness (overall, verdict)."
    )

    @classmethod
    def from_state(cls, item: ItemStatus) -> BatchItemPublic:
        fields = {name: getattr(item, name) for name in cls.model_fields if name != "error"}
        return cls(**fields, error=BatchItemError(**item.error) if item.error else None)


class BatchSummary(BaseModel):
    id: uuid.UUID
    name: str
    status: Status = Field(description="failed if any item failed, once every item has ended.")
    counts: dict[str, int] = Field(description="Items by status.")
    created_by: str
    created_at: datetime

    @classmethod
    def from_state(cls, state: BatchStatus, **extra: Any) -> Any:
        batch = state.batch
        return cls(
            id=batch.id,
            name=batch.name,
            status=state.status,
            counts=state.counts,
            created_by=batch.created_by,
            created_at=batch.created_at,
            **extra,
        )


class BatchPublic(BatchSummary):
    items: list[BatchItemPublic]

    @classmethod
    def from_state(cls, state: BatchStatus, **extra: Any) -> Any:
        items = [BatchItemPublic.from_state(item) for item in state.items]
        return super().from_state(state, items=items, **extra)


class BatchesPublic(BaseModel):
    """Summaries; GET /batches/{id} has the items."""

    data: list[BatchSummary]
    count: int
