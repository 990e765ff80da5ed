"""The test-budget ledger: the budget pools of a project's rows, append-only rows (one per look at a split's
test part), audited raises, and the row sketch each dataset's pool was chosen by."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field


class BudgetPool(SQLModel, table=True):
    """The test budget of a family of rows: every split of every dataset in it draws on this one budget.

    A dataset joins the pool of an earlier dataset of its project whose rows its own largely repeat
    (`service.ledger.pools`), else gets a pool of its own with the project's budget; a new split seed of a
    dataset is not a fresh budget, its test rows were partly seen."""

    __tablename__ = "budget_pool"
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    test_budget: int = Field(ge=1)
    created_at: datetime = created_field()


class DatasetRows(SQLModel, table=True):
    """A dataset's rows in brief (`workers.data.row_sketch`), kept at intake to find the earlier dataset it
    repeats; and which one its pool was taken from, and how much of its rows that one holds."""

    __tablename__ = "dataset_rows"
    dataset_id: uuid.UUID = Field(foreign_key="dataset.id", primary_key=True)
    distinct_rows: int
    sketch: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    overlaps_dataset_id: uuid.UUID | None = Field(default=None, foreign_key="dataset.id")
    overlap: float | None = None  # the share of this dataset's rows found in that one's


class TestLook(SQLModel, table=True):
    __test__ = False  # not a pytest test class
    __tablename__ = "test_look"
    id: uuid.UUID = id_field()
    split_id: uuid.UUID = Field(foreign_key="split.id", index=True)
    key: str = Field(unique=True, max_length=200)  # a retried job presents the same key: no second row
    who: str = Field(max_length=200)
    assessment_id: uuid.UUID | None = Field(default=None, foreign_key="assessment.id")
    models: list[str] | None = json_field()
    metrics: dict[str, Any] | None = json_field()
    reason: str
    created_at: datetime = created_field()


class BudgetChange(SQLModel, table=True):
    """Raising a budget is audited: who, when, from what to what, and why."""

    __tablename__ = "budget_change"
    id: uuid.UUID = id_field()
    split_id: uuid.UUID = Field(foreign_key="split.id", index=True)  # the split the raise was asked through
    pool_id: uuid.UUID | None = Field(default=None, foreign_key="budget_pool.id", index=True)  # what it raised
    old_limit: int
    new_limit: int
    reason: str
    who: str = Field(max_length=200)
    created_at: datetime = created_field()
