"""What a request to assess a dataset may ask for, as every door (API, dashboard, batch file) takes it."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.assessments.submit import MAX_EPOCHS, MAX_RESAMPLES, MAX_SEED, MIN_RESAMPLES
from service.models.text import MAX_KEEP_COLUMNS, ColumnText


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: uuid.UUID = Field(description="A dataset of this project.")
    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED, description="Split and model seed (a new seed, a new split)."
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    keep_columns: list[ColumnText] = Field(
        default_factory=list, max_length=MAX_KEEP_COLUMNS, description="Keep columns the checks leave out."
    )
    split: Literal["auto", "random", "time", "group"] = Field(
        default="auto",
        description="How to split the rows 60/20/20: auto (a group split when group_column is given, else in "
        "time order when the file has a date column, else stratified random), random, time or group.",
    )
    time_column: ColumnText | None = Field(
        default=None, description="The date/time column to split by (oldest rows train, newest test)."
    )
    group_column: ColumnText | None = Field(
        default=None, description="An entity column (patient, customer, device): each entity stays in one part."
    )
    max_epochs: int | None = Field(
        default=None, ge=1, le=MAX_EPOCHS, description="Cap the deep model's epochs."
    )
    run_deep: bool = Field(default=True, description="False: the baselines only.")
    learning_curve: bool = Field(
        default=True,
        description="Train the best baseline and the deep model on 10/25/50% of the training split (each "
        "point its own job) to see whether more labels would help.",
    )
    n_resamples: int = Field(
        default=1000, ge=MIN_RESAMPLES, le=MAX_RESAMPLES, description="Bootstrap resamples."
    )
