"""What a request to run a hyperparameter grid may ask for, as the API and batch files take it."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.models.projects import MAX_SEED
from service.models.text import MAX_KEEP_COLUMNS, ColumnText, StoredJson, StoredText, TagText

ModelFamily = Literal["logistic_regression", "random_forest", "xgboost", "deep"]


class GridCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: uuid.UUID = Field(description="A dataset of one of your projects.")
    model_family: ModelFamily
    grid: StoredJson | None = Field(
        default=None,
        description='Hyperparameter → a list of values, {"log_range": [low, high], "count": n} or '
        '{"range": [low, high], "count": n}. Omitted: the family\'s default grid.',
        examples=[{"C": {"log_range": [0.01, 100], "count": 5}}],
    )
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="The training seed of every point.")
    split_seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    keep_columns: list[ColumnText] = Field(default_factory=list, max_length=MAX_KEEP_COLUMNS)
    split: Literal["auto", "random", "time", "group"] = Field(
        default="auto",
        description="How the rows are split: auto, random, time or group (as an assessment's).",
    )
    time_column: ColumnText | None = Field(default=None, description="The date/time column to split by.")
    group_column: ColumnText | None = Field(default=None, description="An entity column kept in one part.")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    name: StoredText = Field(default="", max_length=200)
    hypothesis: StoredText = Field(default="", max_length=20_000)
    tags: list[TagText] = Field(default_factory=list, max_length=20)
