"""Signing in and out: API keys, one-time login links, the session cookie's flags, and where people land."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from service.auth import hash_key
from service.dashboard.sessions import SESSION_COOKIE, create_login_link
from service.database.engine import session_scope
from service.models import ApiKey, DashboardSession, LoginLink
from service.models.base import utcnow
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, hidden_value, new_key, sign_in
from tests.service.test_api_harness import API, running_api


def _session_cookie_header(answer) -> str:
    headers = [h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}=")]
    assert len(headers) == 1, answer.headers
    return headers[0]


def _key_id(engine: Engine, key: str):
    with session_scope(engine) as session:
        return session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key)))


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    app_client: TestClient, engine: Engine
) -> None:
    answer = app_client.get("/projects?sort=name&page=2")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/projects%3Fsort%3Dname%26page%3D2"
    assert app_client.get("/").headers["location"].startswith("/login?next=/")

    form = app_client.get(answer.headers["location"])
    assert form.status_code == 200 and 'name="next" value="/projects?sort=name&amp;page=2"' in form.text
    signed = app_client.post(
        "/login",
        data={
            "api_key": new_key(engine, "team-a"),
            "login_token": hidden_value(form.text, "login_token"),
            "next": "/projects?sort=name&page=2",
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/projects?sort=name&page=2"
    assert app_client.get("/projects?sort=name&page=2").status_code == 200


def test_the_session_cookie_is_random_http_only_same_site_and_stored_only_as_a_hash(
    app_client: TestClient, engine: Engine
) -> None:
    header = _session_cookie_header(sign_in(app_client, new_key(engine, "team-a")))
    flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= flags
    assert "samesite=lax" in header.lower() and "path=/" in header.lower()
    assert "max-age=43200" in header.lower()  # 12 hours
    assert "secure" not in flags  # plain http (a laptop): a Secure cookie would never come back

    token = app_client.cookies[SESSION_COOKIE]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    with session_scope(engine) as session:
        rows = session.scalars(select(DashboardSession)).all()
    assert [row.token_hash for row in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert rows[0].expires_at - rows[0].created_at == timedelta(hours=12)


def test_over_https_the_cookie_is_also_secure(settings: Settings, engine: Engine) -> None:
    with running_api(settings) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        client.follow_redirects = False
        header = _session_cookie_header(sign_in(client, new_key(engine, "team-a")))
    assert "secure" in header.lower()


def test_a_wrong_key_is_answered_on_the_form_and_starts_no_session(
    app_client: TestClient, engine: Engine
) -> None:
    new_key(engine, "team-a")
    form = app_client.get("/login")
    answer = app_client.post(
        "/login", data={"api_key": "rdy_not-a-key", "login_token": hidden_value(form.text, "login_token")}
    )
    assert answer.status_code == 401
    assert "Unknown API key" in answer.text and 'aria-invalid="true"' in answer.text
    assert not [h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    with session_scope(engine) as session:
        assert session.scalars(select(DashboardSession)).all() == []

    empty = app_client.post(
        "/login", data={"api_key": "", "login_token": hidden_value(answer.text, "login_token")}
    )
    assert empty.status_code == 400 and "Paste your API key" in empty.text


def test_the_sign_in_form_needs_its_own_token_so_no_site_can_sign_a_browser_in(
    app_client: TestClient, engine: Engine
) -> None:
    key = new_key(engine, "team-a")
    app_client.get("/login")  # the browser has the form's cookie, but the attacker's post has no field
    forged = app_client.post("/login", data={"api_key": key})
    assert forged.status_code == 403 and "security token" in forged.text
    assert SESSION_COOKIE not in app_client.cookies


def test_next_only_ever_leads_to_a_page_of_this_site(app_client: TestClient, engine: Engine) -> None:
    key = new_key(engine, "team-a")
    for target in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "projects",
    ):
        form = app_client.get("/login")
        answer = app_client.post(
            "/login",
            data={"api_key": key, "login_token": hidden_value(form.text, "login_token"), "next": target},
        )
        assert answer.headers["location"] == "/projects", target
        app_client.cookies.clear()


def test_a_login_link_signs_in_once_and_then_never_again(settings: Settings, engine: Engine) -> None:
    key = new_key(engine, "admin")
    token = create_login_link(engine, _key_id(engine, key))
    with running_api(settings) as first, running_api(settings) as second:
        first.follow_redirects = second.follow_redirects = False
        answer = first.get(f"/login/{token}")
        assert answer.status_code == 303 and answer.headers["location"] == "/projects"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert first.get("/projects").status_code == 200

        again = second.get(f"/login/{token}")
        assert again.status_code == 400 and "expired or was already used" in again.text
        assert SESSION_COOKIE not in second.cookies
    with session_scope(engine) as session:
        link = session.scalars(select(LoginLink)).one()
    assert link.used_at is not None and link.token_hash == hash_key(token)  # the token itself is not stored


def test_an_expired_login_link_or_one_for_a_revoked_key_signs_nobody_in(
    app_client: TestClient, engine: Engine
) -> None:
    key_id = _key_id(engine, new_key(engine, "admin"))
    expired = create_login_link(engine, key_id)
    with session_scope(engine) as session:
        session.execute(update(LoginLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert app_client.get(f"/login/{expired}").status_code == 400

    revoked = create_login_link(engine, key_id)
    with session_scope(engine) as session:
        session.execute(update(ApiKey).values(revoked_at=utcnow()))
    assert app_client.get(f"/login/{revoked}").status_code == 400
    assert app_client.get("/login/not-a-token").status_code == 400


def test_signing_out_ends_the_session_in_the_database(app_client: TestClient, engine: Engine) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    cookie = app_client.cookies[SESSION_COOKIE]
    answer = app_client.post("/logout", data={"csrf_token": csrf_token(app_client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    with session_scope(engine) as session:
        assert session.scalars(select(DashboardSession)).one().ended_at is not None

    app_client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the cookie kept from before
    assert app_client.get("/projects").status_code == 303


def test_an_expired_session_or_a_revoked_key_needs_a_new_sign_in(
    app_client: TestClient, engine: Engine
) -> None:
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    with session_scope(engine) as session:
        session.execute(update(DashboardSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert app_client.get("/projects").status_code == 303

    sign_in(app_client, key)
    assert app_client.get("/projects").status_code == 200
    with session_scope(engine) as session:
        session.execute(update(ApiKey).values(revoked_at=utcnow()))
    assert app_client.get("/projects").status_code == 303


def test_the_api_keeps_its_bearer_keys_and_ignores_the_dashboard_cookie(
    app_client: TestClient, engine: Engine
) -> None:
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    cookie_only = app_client.get(f"{API}/projects")
    assert cookie_only.status_code == 401 and cookie_only.json()["code"] == "unauthorized"
    assert app_client.get(f"{API}/projects", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    unknown = app_client.get(f"{API}/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"  # still JSON under /api
