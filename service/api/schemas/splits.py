"""Splits, their test budget and the ledger of looks at the test part."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from service.ledger.cap import MAX_TEST_BUDGET
from service.models.text import no_nul


class Budget(BaseModel):
    limit: int
    used: int
    remaining: int


class BudgetChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    old_limit: int
    new_limit: int
    reason: str
    who: str
    created_at: datetime


class SplitPublic(BaseModel):
    id: uuid.UUID
    dataset_id: uuid.UUID
    seed: int
    split_key: str = Field(
        default="",
        description='"" for the stratified random split; "time_ordered:<column>" or "group:<column>" for a split '
        "of the same rows in time order or by entity (every one draws on the dataset's budget).",
    )
    split_hash: str
    sizes: dict[str, Any] | None
    budget: Budget
    budget_changes: list[BudgetChangePublic] = Field(description="The audit trail of raises, oldest first.")
    created_at: datetime


class SplitsPublic(BaseModel):
    data: list[SplitPublic]
    count: int


class TestLookPublic(BaseModel):
    """One look at a split's test part (an append-only row)."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    split_id: uuid.UUID
    assessment_id: uuid.UUID | None
    who: str
    models: list[str] | None
    metrics: dict[str, Any] | None
    reason: str
    created_at: datetime


class TestLooksPublic(BaseModel):
    __test__ = False
    data: list[TestLookPublic]
    count: int


class BudgetRaise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_limit: int = Field(ge=1, le=MAX_TEST_BUDGET, description="The new number of looks allowed in all.")
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), BeforeValidator(no_nul)
    ] = Field(description="Why more looks are justified; recorded in the audit trail.")
