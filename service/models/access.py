"""Teams and their API keys: a team sees only its own projects."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models.base import created_field, id_field, time_field


class Team(SQLModel, table=True):
    id: uuid.UUID = id_field()
    name: str = Field(unique=True, index=True, max_length=100)
    created_at: datetime = created_field()


class ApiKey(SQLModel, table=True):
    """A key is shown once; only its SHA-256 is stored (keys are 256 random bits, so no slow hash is needed)."""

    __tablename__ = "api_key"
    id: uuid.UUID = id_field()
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=100)  # the key's label (by default the person's name)
    # Whom the key's requests are attributed to in every audit row; keys made before people were named
    # (migration 0005) have their label here.
    person: str = Field(max_length=100)
    prefix: str = Field(index=True, max_length=16)  # shown in listings so a person can tell keys apart
    key_hash: str = Field(unique=True, max_length=64)
    is_admin: bool = False
    created_at: datetime = created_field()
    revoked_at: datetime | None = time_field()
