"""Hyperparameter grids: a model family and a grid expanded into experiments on one split."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field


class Grid(SQLModel, table=True):
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    dataset_id: uuid.UUID = Field(foreign_key="dataset.id", index=True)
    split_seed: int  # the split row may not exist yet: the first point to run makes it
    name: str = Field(default="", max_length=200)
    model_family: str = Field(max_length=40)
    spec: dict[str, Any] = json_field(nullable=False)  # the grid as submitted
    points: int  # points after expansion
    reused: int  # points whose fingerprint had already run: their earlier experiments are shown
    hypothesis: str = ""
    promoted_experiment_id: uuid.UUID | None = None  # the point whose test look was spent
    created_by: str = Field(max_length=200)
    created_at: datetime = created_field()


class GridPoint(SQLModel, table=True):
    """Which experiment stands for each point: a new one, or an earlier run it reused."""

    __tablename__ = "grid_point"
    id: uuid.UUID = id_field()
    grid_id: uuid.UUID = Field(foreign_key="grid.id", index=True)
    position: int
    experiment_id: uuid.UUID = Field(foreign_key="experiment.id", index=True)
    reused: bool = False
