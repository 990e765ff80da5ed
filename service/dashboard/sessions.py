"""Dashboard sign-in: browser sessions and one-time login links, both stored only as SHA-256 hashes.

A person signs in with an API key (or a link `readiness serve` printed) and gets a cookie holding 256
random bits; the database keeps the token's hash, so a leaked table row cannot be replayed. Each session
has its own CSRF token, which every form and every script call must send back.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, select, update
from sqlmodel import Session

# Login links are made in `service.auth`, below every door, because `readiness serve` prints one; they are
# spent here. The names stay importable from here, where the dashboard's tests look for them.
from service.auth import LOGIN_LINK_LIFETIME as LOGIN_LINK_LIFETIME
from service.auth import admin_key_id as admin_key_id
from service.auth import authenticate, hash_key
from service.auth import create_login_link as create_login_link
from service.database.engine import session_scope
from service.models import ApiKey, DashboardSession, LoginLink, Team
from service.models.base import utcnow

SESSION_COOKIE = "readiness_session"
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_BYTES = 32  # 256 random bits, for cookies and CSRF tokens alike (login links: service.auth)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class SignedIn:
    """Who a browser is: its session, the key it signed in with, and that key's team."""

    session_id: uuid.UUID
    csrf_token: str
    key: ApiKey
    team_name: str

    @property
    def team_id(self) -> uuid.UUID:
        return self.key.team_id


def start_session(engine: Engine, key: ApiKey) -> str:
    """A new session for `key`; returns the cookie's token (only its hash is stored)."""
    token, now = new_token(), utcnow()
    with session_scope(engine) as session:
        session.add(
            DashboardSession(
                token_hash=hash_key(token),
                api_key_id=key.id,
                csrf_token=new_token(),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token


def sign_in_with_key(engine: Engine, api_key: str) -> str:
    """Check an API key as the API does (`Unauthorized` for unknown or revoked) and start a session."""
    with Session(engine) as session:
        key = authenticate(session, api_key)
    return start_session(engine, key)


def current_session(session: Session, token: str | None) -> SignedIn | None:
    """The live session a cookie names, or None: unknown, ended, expired, or its key revoked."""
    if not token:
        return None
    row = session.execute(
        select(DashboardSession, ApiKey, Team.name)
        .join(ApiKey, DashboardSession.api_key_id == ApiKey.id)
        .join(Team, ApiKey.team_id == Team.id)
        .where(
            DashboardSession.token_hash == hash_key(token),
            DashboardSession.ended_at.is_(None),
            DashboardSession.expires_at > utcnow(),
            ApiKey.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    browser, key, team_name = row
    return SignedIn(session_id=browser.id, csrf_token=browser.csrf_token, key=key, team_name=team_name)


def end_session(engine: Engine, session_id: uuid.UUID) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(DashboardSession)
            .where(DashboardSession.id == session_id, DashboardSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def csrf_matches(expected: str, sent: str | None) -> bool:
    return bool(sent) and secrets.compare_digest(expected.encode(), (sent or "").encode())


def redeem_login_link(engine: Engine, token: str) -> str | None:
    """Spend a login link and start a session (its cookie token), or None if the link is unknown, used,
    expired, or its key was revoked. Spending is one conditional UPDATE, so two clicks race safely."""
    with session_scope(engine) as session:
        key_id = session.scalar(
            update(LoginLink)
            .where(
                LoginLink.token_hash == hash_key(token),
                LoginLink.used_at.is_(None),
                LoginLink.expires_at > utcnow(),
            )
            .values(used_at=utcnow())
            .returning(LoginLink.api_key_id)
        )
        key = session.get(ApiKey, key_id) if key_id is not None else None
        if key is None or key.revoked_at is not None:
            return None
        session.expunge(key)
    return start_session(engine, key)
