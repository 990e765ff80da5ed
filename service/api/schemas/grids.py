"""Hyperparameter grids as the API takes and shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.experiments import ExperimentPublic
from service.models import Grid
from service.models.text import StoredText


class GridPromote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StoredText = Field(min_length=1, max_length=2000, description="Recorded in the test ledger.")
    experiment_id: uuid.UUID | None = Field(
        default=None, description="A point of this grid; default: the leaderboard's best."
    )
    rank_by: Literal["ladder", "validation"] = "ladder"


class TestLookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StoredText = Field(min_length=1, max_length=2000, description="Recorded in the test ledger.")


class GridPublic(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_seed: int
    name: str
    model_family: str
    spec: dict[str, Any]
    points: int
    reused: int = Field(
        description="Points whose procedure had already run: their earlier results are reused."
    )
    hypothesis: str
    promoted_experiment_id: uuid.UUID | None
    created_by: str
    created_at: datetime
    progress: dict[str, int] = Field(description="Points by status.")
    status: Literal["queued", "running", "finished"]

    @classmethod
    def from_row(cls, row: Grid, progress: dict[str, int]) -> GridPublic:
        fields = {name: getattr(row, name) for name in cls.model_fields if name not in ("progress", "status")}
        done = progress.get("succeeded", 0) + progress.get("failed", 0) + progress.get("cancelled", 0)
        status = (
            "finished" if done >= row.points else "running" if done or progress.get("running") else "queued"
        )
        return cls(**fields, progress=progress, status=status)


class LeaderboardRow(BaseModel):
    rank: int | None = Field(
        default=None, description="Every point with a validation score has one; None: not finished or failed."
    )
    position: int
    experiment_id: uuid.UUID
    reused: bool
    status: str
    hyperparameters: dict[str, Any]
    complexity: int = Field(description="0: the grid's simplest (most regularised) point; breaks ties.")
    validation_roc_auc: float | None
    train_roc_auc: float | None
    ladder_roc_auc: float | None = Field(
        description="The Ladder's new best, rounded to its step, when this point took the lead; else None."
    )
    ladder_new_best: bool | None = Field(description="This point beat the leader by a step (None: no score).")
    fit_seconds: float | None
    error: str | None
    promoted: bool = Field(description="The point this grid promoted to a look at the test split.")


class PromotedPoint(BaseModel):
    experiment_id: uuid.UUID
    position: int
    rank: int | None
    hyperparameters: dict[str, Any]
    validation_roc_auc: float | None
    test_metrics: dict[str, Any] = Field(description="Test metrics with 95% intervals, from the one look.")
    budget: dict[str, Any] = Field(description="The split's test looks: used and limit, after this look.")
    reason: str | None
    who: str | None


class Leaderboard(BaseModel):
    grid_id: uuid.UUID
    ranked_by: Literal["ladder", "validation"]
    step: float = Field(description="The Ladder's step: the ROC-AUC a point must add to take the lead.")
    explanation: str
    rows: list[LeaderboardRow]
    promoted: PromotedPoint | None = Field(
        description="The promoted point and its test result, once promoted."
    )


class GridDetail(GridPublic):
    leaderboard: Leaderboard


class GridsPublic(BaseModel):
    data: list[GridPublic]
    count: int


class PromotionPublic(BaseModel):
    grid_id: uuid.UUID | None
    experiment: ExperimentPublic
