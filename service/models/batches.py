"""Batch submission: many projects, datasets, assessments and grids from one file, queued as a whole."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field


class Batch(SQLModel, table=True):
    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    name: str = Field(default="", max_length=200)
    spec: dict[str, Any] = json_field(nullable=False)  # the file as submitted
    created_by: str = Field(max_length=200)
    created_at: datetime = created_field()


class BatchItem(SQLModel, table=True):
    """One line of a batch and the record it made (a project, dataset, assessment or grid)."""

    __tablename__ = "batch_item"
    id: uuid.UUID = id_field()
    batch_id: uuid.UUID = Field(foreign_key="batch.id", index=True)
    position: int
    kind: str = Field(max_length=20)  # project | dataset | assessment | grid
    label: str = Field(max_length=300)  # how the batch file names it
    target_id: uuid.UUID | None = None  # the record it made
