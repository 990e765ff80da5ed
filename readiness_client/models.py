"""The records the API answers with, as typed pydantic models.

They name the fields a script reads and keep any others (`extra="allow"`), so a newer server with more
fields still parses. Nested documents that grow with every release (the report, a profile, a procedure)
stay dictionaries. `tests/client/test_client_models.py` checks every field here against the server's
OpenAPI schema, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

FINISHED = frozenset({"succeeded", "failed", "cancelled"})

T = TypeVar("T")


class Record(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Page(Record, Generic[T]):
    """One page of a list: `data` and the `count` of all matching records."""

    data: list[T]
    count: int


class ErrorInfo(Record):
    code: str
    detail: str | None = None


class Project(Record):
    id: uuid.UUID
    name: str
    description: str | None = None
    answers: dict[str, Any] | None = None
    readiness: dict[str, Any] | None = None
    test_budget: int
    created_at: datetime


class Dataset(Record):
    id: uuid.UUID
    project_id: uuid.UUID
    filename: str
    size_bytes: int
    target: str
    positive_label: str | None = None
    rows: int
    columns: int
    profile: dict[str, Any] | None = None
    checks: list[dict[str, Any]] | None = None
    created_at: datetime


class Progress(Record):
    stage: str | None = None
    stage_title: str
    fraction: float
    message: str
    work_done: float
    elapsed_seconds: float | None = None
    eta_seconds: float | None = None


class Assessment(Record):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_id: uuid.UUID | None = None
    status: str
    stage: str | None = None
    progress: float
    error: ErrorInfo | None = None
    cancel_requested: bool
    config: dict[str, Any] | None = None
    created_by: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress_info: Progress
    report: dict[str, Any] | None = None
    warnings: list[str] = []

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def verdict(self) -> dict[str, Any] | None:
        """The report's verdict ({code, summary}) once the assessment has succeeded."""
        return (self.report or {}).get("verdict")


class Budget(Record):
    limit: int
    used: int
    remaining: int


class BudgetChange(Record):
    old_limit: int
    new_limit: int
    reason: str
    who: str
    created_at: datetime


class Split(Record):
    id: uuid.UUID
    dataset_id: uuid.UUID
    seed: int
    split_hash: str
    sizes: dict[str, Any] | None = None
    budget: Budget
    budget_changes: list[BudgetChange] = []
    created_at: datetime


class TestLook(Record):
    __test__ = False  # not a pytest test class

    id: uuid.UUID
    split_id: uuid.UUID
    assessment_id: uuid.UUID | None = None
    who: str
    models: list[str] | None = None
    metrics: dict[str, Any] | None = None
    reason: str
    created_at: datetime


class Experiment(Record):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_id: uuid.UUID | None = None
    assessment_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None
    kind: str
    model_family: str
    train_fraction: float
    seed: int
    procedure: dict[str, Any]
    fingerprint: str
    repeat_of: uuid.UUID | None = None
    hypothesis: str
    inference: str
    tags: list[str]
    status: str
    result: dict[str, Any] | None = None
    test_result: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    created_by: str
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Grid(Record):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_seed: int
    name: str
    model_family: str
    spec: dict[str, Any]
    points: int
    reused: int
    hypothesis: str
    promoted_experiment_id: uuid.UUID | None = None
    created_by: str
    created_at: datetime
    progress: dict[str, int] = Field(description="Points by status (reused points count as succeeded).")
    status: str  # queued, running, finished
    leaderboard: dict[str, Any] | None = None  # only in GET /grids/{id}

    @property
    def finished(self) -> bool:
        return self.status == "finished"


class Promotion(Record):
    grid_id: uuid.UUID | None = None
    experiment: Experiment


class BatchItem(Record):
    position: int
    kind: str
    label: str
    target_id: uuid.UUID | None = None
    status: str
    progress: float
    detail: str
    error: ErrorInfo | None = None
    result: dict[str, Any] = {}


class Batch(Record):
    id: uuid.UUID
    name: str
    status: str
    counts: dict[str, int]
    created_by: str
    created_at: datetime
    items: list[BatchItem] = []  # only in GET /batches/{id} and the answer to a submission

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
