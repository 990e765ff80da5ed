"""The audit trail of a project's own fields: who changed its name, description or questionnaire answers, and
when, from what to what — and who asked for an assessment to be cancelled (no other row says who)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field


class ProjectChange(SQLModel, table=True):
    __tablename__ = "project_change"
    id: uuid.UUID = id_field()
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    # "name", "description", "answers.<section>.<question>", or "assessment" (a cancel request)
    field: str = Field(max_length=120)
    old_value: str = Field(sa_column=Column(Text, nullable=False))  # a short summary, not the whole value
    new_value: str = Field(sa_column=Column(Text, nullable=False))
    who: str = Field(max_length=200)
    created_at: datetime = created_field()
