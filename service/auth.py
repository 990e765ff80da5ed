"""API keys: each belongs to a team, is shown once, and is stored only as its SHA-256; and the one-time
dashboard login links made for a key (`readiness serve` prints one; the dashboard spends it).

Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force that a slow hash
would protect.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from service.database.engine import session_scope
from service.models import ApiKey, LoginLink, Team
from service.models.base import utcnow
from workers.errors import InvalidOption, ReadinessError

KEY_PREFIX = "rdy_"
SHOWN_PREFIX_CHARS = 12  # "rdy_" and 8 random characters: enough to tell keys apart in a listing
MAX_NAME_CHARS = 100
LOGIN_LINK_LIFETIME = timedelta(minutes=15)
LOGIN_TOKEN_BYTES = 32  # 256 random bits, as a key has


class Unauthorized(ReadinessError):
    """Send an API key: `Authorization: Bearer <key>` (`readiness keys create --team NAME` makes one)."""

    code = "unauthorized"
    http_status = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - read-only, one value for every instance


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_name(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME_CHARS or "\x00" in value:  # Postgres text refuses NUL
        raise InvalidOption(
            f"A {what} name must be 1 to {MAX_NAME_CHARS} characters, NUL excepted; got {value!r}."
        )
    return value


def create_key(
    engine: Engine, *, team_name: str, name: str, admin: bool = False, label: str | None = None
) -> str:
    """Make a key for the person `name` in `team_name` (creating the team if new) and return it; it is never
    shown again. `label` tells a person's keys apart (by default their name)."""
    team_name, name = _check_name(team_name, "team"), _check_name(name, "person's")
    label = name if label is None else _check_name(label, "key")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with session_scope(engine) as session:
        # Two concurrent first keys of one team must not collide on the team's unique name.
        session.execute(
            insert(Team)
            .values(id=uuid.uuid4(), name=team_name, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        team_id = session.scalar(select(Team.id).where(Team.name == team_name))
        assert team_id is not None  # inserted just above, or there already
        session.add(
            ApiKey(
                team_id=team_id,
                name=label,
                person=name,
                prefix=key[:SHOWN_PREFIX_CHARS],
                key_hash=hash_key(key),
                is_admin=admin,
            )
        )
    return key


def authenticate(session: Session, bearer: str | None) -> ApiKey:
    """The key a request presents, or `Unauthorized` for a missing, unknown or revoked one."""
    if not bearer:
        raise Unauthorized()
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(bearer.strip())))
    if key is None:
        raise Unauthorized(
            "Unknown API key. Check it was copied whole, or make one with `readiness keys create`."
        )
    if key.revoked_at is not None:
        raise Unauthorized(f"This API key ({key.prefix}…) was revoked; ask for a new one.")
    return key


def create_login_link(engine: Engine, api_key_id: uuid.UUID) -> str:
    """A one-time sign-in token for the key, valid for `LOGIN_LINK_LIFETIME`; only its hash is stored."""
    token = secrets.token_urlsafe(LOGIN_TOKEN_BYTES)
    with session_scope(engine) as session:
        session.add(
            LoginLink(
                token_hash=hash_key(token), api_key_id=api_key_id, expires_at=utcnow() + LOGIN_LINK_LIFETIME
            )
        )
    return token


def admin_key_id(engine: Engine) -> uuid.UUID | None:
    """The oldest live admin key: whom the login link `readiness serve` prints signs in as."""
    with Session(engine) as session:
        return session.scalar(
            select(ApiKey.id)
            .where(ApiKey.is_admin.is_(True), ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at)
            .limit(1)
        )


@dataclass(frozen=True)
class KeyListing:
    """A key as `readiness keys list` shows it: never the key, only its shown prefix."""

    person: str
    team: str
    label: str
    prefix: str
    admin: bool
    created_at: datetime
    revoked_at: datetime | None


def list_keys(engine: Engine, *, team_name: str | None = None) -> list[KeyListing]:
    """Every key (or one team's), oldest first."""
    query = (
        select(ApiKey, Team.name).join(Team, Team.id == ApiKey.team_id).order_by(ApiKey.created_at, ApiKey.id)
    )
    if team_name is not None:
        query = query.where(Team.name == team_name.strip())
    with Session(engine) as session:
        return [
            KeyListing(
                person=key.person,
                team=team,
                label=key.name,
                prefix=key.prefix,
                admin=key.is_admin,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
            for key, team in session.execute(query).all()
        ]
