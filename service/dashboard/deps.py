"""What dashboard routes are handed: the signed-in person, a form whose CSRF token was checked, and the
team's own projects and assessments (anyone else's id is a 404 page, like an unknown one)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy import select
from sqlmodel import Session
from starlette.datastructures import FormData

from service.dashboard.errors import CsrfRejected, PageNotFound, SignInRequired
from service.dashboard.sessions import SESSION_COOKIE, SignedIn, csrf_matches, current_session
from service.models import Assessment, Project
from service.web.deps import EngineDep, SessionDep, release

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
HOME = "/projects"


def local_path(raw: str | None) -> str:
    """`raw` if it is a path on this site, else the home page: `next=` must not send anyone elsewhere."""
    # Browsers read a backslash as a slash and drop tabs and newlines: "/<backslash>evil.example" or
    # "/<tab>/evil.example" would leave the site.
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return HOME
    if "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return HOME
    return raw


def signed_in(request: Request, engine: EngineDep) -> SignedIn:
    """The browser's live session, or a redirect to the sign-in page that comes back here afterwards."""
    with Session(engine) as session:
        who = current_session(session, request.cookies.get(SESSION_COOKIE))
    if who is None:
        # A POST cannot be replayed as a GET after signing in: those come back to the projects list.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(local_path(here) if request.method == "GET" else HOME)
    request.state.signed_in = who  # the layout shows the team and the sign-out button
    return who


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


async def posted_form(request: Request) -> FormData:
    # Async, so that sync routes (which run in the thread pool) can be handed the parsed form.
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def checked_form(request: Request, who: SignedInDep, form: PostedForm) -> FormData:
    """The posted form, once its CSRF token (field or header) matches the session's; else a 403 page."""
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not isinstance(sent, str) or not csrf_matches(who.csrf_token, sent):
        raise CsrfRejected()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def _uuid(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise PageNotFound(f"There is no {what} {raw!r} in your team.") from None


def _owned(session: Session, who: SignedIn, query: Any, raw: str, what: str) -> Any:
    row = session.scalar(query.where(Project.team_id == who.team_id))
    release(session)  # no connection held while the page waits for its turn on the thread pool
    if row is None:
        raise PageNotFound(f"There is no {what} {raw!r} in your team.")
    return row


def owned_project(project_id: Annotated[str, Path()], session: SessionDep, who: SignedInDep) -> Project:
    query = select(Project).where(Project.id == _uuid(project_id, "project"))
    return _owned(session, who, query, project_id, "project")


def owned_assessment(
    assessment_id: Annotated[str, Path()], session: SessionDep, who: SignedInDep
) -> Assessment:
    query = (
        select(Assessment)
        .join(Project, Assessment.project_id == Project.id)
        .where(Assessment.id == _uuid(assessment_id, "assessment"))
    )
    return _owned(session, who, query, assessment_id, "assessment")


ProjectPage = Annotated[Project, Depends(owned_project)]
AssessmentPage = Annotated[Assessment, Depends(owned_assessment)]
