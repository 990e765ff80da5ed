"""The test-budget ledger: append-only rows, one per look at a split's test part."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field


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
    split_id: uuid.UUID = Field(foreign_key="split.id", index=True)
    old_limit: int
    new_limit: int
    reason: str
    who: str = Field(max_length=200)
    created_at: datetime = created_field()
