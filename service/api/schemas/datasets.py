"""Datasets: an uploaded table, its profile and the data-check findings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DatasetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    filename: str
    sha256: str = Field(description="SHA-256 of the uploaded bytes.")
    size_bytes: int
    target: str
    positive_label: str | None
    rows: int
    columns: int = Field(description="Feature columns (the target not counted).")
    profile: dict[str, Any] | None = Field(
        description="classes, class_counts, positive_rate, column_profiles, excluded_columns, notes, split."
    )
    checks: list[dict[str, Any]] | None = Field(
        description="Findings of the data checks: {check, severity, columns, message}."
    )
    created_at: datetime


class DatasetsPublic(BaseModel):
    data: list[DatasetPublic]
    count: int
