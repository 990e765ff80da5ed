"""Dashboard sign-in: browser sessions and one-time login links, both stored only as hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, time_field


class DashboardSession(SQLModel, table=True):
    __tablename__ = "dashboard_session"
    id: uuid.UUID = id_field()
    token_hash: str = Field(unique=True, max_length=64)  # SHA-256 of the cookie's random token
    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = time_field()


class LoginLink(SQLModel, table=True):
    """A link `readiness serve` prints: it signs in once, then is spent."""

    __tablename__ = "login_link"
    id: uuid.UUID = id_field()
    token_hash: str = Field(unique=True, max_length=64)
    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", index=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = time_field()
