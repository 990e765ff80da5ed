"""Projects, their datasets, and the immutable splits of those datasets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, json_field

MAX_SEED = 2**31 - 1  # a split's seed is a Postgres integer column: the bound of every seed a request gives


class Project(SQLModel, table=True):
    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=200)
    description: str | None = None
    answers: dict[str, Any] | None = json_field()
    readiness: dict[str, Any] | None = json_field()  # scores from the answers, refreshed by assessments
    test_budget: int = Field(default=3, ge=1)
    created_at: datetime = created_field()


class Dataset(SQLModel, table=True):
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    filename: str = Field(max_length=300)
    sha256: str = Field(index=True, max_length=64)
    stored_as: str = Field(max_length=120)  # name in the artifact store: the sha256 and the file's suffix
    size_bytes: int
    target: str
    positive_label: str | None = None
    rows: int
    columns: int
    profile: dict[str, Any] | None = json_field()
    checks: list[dict[str, Any]] | None = json_field()
    # The test budget its rows draw on (`service.ledger.pools`); None until intake or its first need gives one.
    budget_pool_id: uuid.UUID | None = Field(default=None, foreign_key="budget_pool.id", index=True)
    created_at: datetime = created_field()


class Split(SQLModel, table=True):
    """Made once per (dataset, seed, split key) and never changed; its test looks are spent through the ledger
    from its dataset's budget pool (`test_budget`: the pool's budget when the split was made, kept as a record)."""

    __table_args__ = (UniqueConstraint("dataset_id", "seed", "split_key"),)
    id: uuid.UUID = id_field()
    dataset_id: uuid.UUID = Field(foreign_key="dataset.id", index=True)
    seed: int
    # "" for the stratified random split; "time_ordered:<column>" or "group:<column>" (`workers.split.Split.
    # ledger_key`): a time split of the same rows and seed is another split, drawing on the same pool.
    split_key: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    split_hash: str = Field(max_length=64)
    sizes: dict[str, Any] | None = json_field()
    test_budget: int = Field(ge=1)
    created_at: datetime = created_field()
