"""Signing in (with an API key or a one-time link) and out.

The sign-in form has no session to carry a CSRF token yet, so it is guarded by a double-submit token: a
SameSite=Strict cookie set with the form must come back equal to the form's hidden field. Another site
can make a browser post the form, but not with that cookie, so nobody can be signed in as someone else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from service.auth import Unauthorized
from service.dashboard.deps import HOME, CheckedForm, PostedForm, SignedInDep, local_path
from service.dashboard.errors import CsrfRejected
from service.dashboard.forms import text
from service.dashboard.sessions import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    csrf_matches,
    current_session,
    end_session,
    new_token,
    redeem_login_link,
    sign_in_with_key,
)
from service.dashboard.templating import render
from service.web.deps import EngineDep

router = APIRouter()

LOGIN_CSRF_COOKIE = "readiness_login_csrf"
LOGIN_CSRF_SECONDS = 3600


def _secure(request: Request) -> bool:
    # Secure cookies are dropped over plain http, which is how `readiness serve` runs on a laptop.
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",  # a link from e-mail or chat still arrives signed in; cross-site posts do not
        secure=_secure(request),
    )


def _login_page(request: Request, *, next_path: str, error: str = "", status: int = 200) -> Response:
    token = new_token()
    response = render(
        request,
        "login.html",
        {"title": "Sign in", "next_path": next_path, "login_token": token, "error": error},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get("/login")
def login_form(request: Request, engine: EngineDep) -> Response:
    """The sign-in form; a browser already signed in goes straight on."""
    next_path = local_path(request.query_params.get("next"))
    with Session(engine) as session:
        if current_session(session, request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse(next_path, status_code=303)
    return _login_page(request, next_path=next_path)


@router.post("/login")
def login(request: Request, form: PostedForm, engine: EngineDep) -> Response:
    """Sign in with an API key."""
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), text(form, "login_token")):
        raise CsrfRejected()
    next_path = local_path(text(form, "next"))
    key = text(form, "api_key")
    if not key:
        return _login_page(request, next_path=next_path, error="Paste your API key.", status=400)
    try:
        token = sign_in_with_key(engine, key)
    except Unauthorized as error:
        return _login_page(request, next_path=next_path, error=error.detail, status=401)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/login/{token}")
def login_link(token: str, request: Request, engine: EngineDep) -> Response:
    """Sign in with a one-time link from `readiness serve`; a used or expired link signs nobody in."""
    session_token = redeem_login_link(engine, token)
    if session_token is None:
        return _login_page(
            request,
            next_path=HOME,
            error="This sign-in link has expired or was already used. Sign in with your API key, or "
            "restart `readiness serve` for a new link.",
            status=400,
        )
    response = RedirectResponse(HOME, status_code=303)
    set_session_cookie(response, request, session_token)
    response.headers["Referrer-Policy"] = "no-referrer"  # the spent token is in this page's address
    return response


@router.post("/logout")
def logout(who: SignedInDep, _form: CheckedForm, engine: EngineDep) -> Response:
    """Sign out: the session ends in the database, not only in this browser."""
    end_session(engine, who.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
