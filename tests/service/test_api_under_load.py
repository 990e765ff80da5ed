"""The API degrades, it never breaks: many clients at once get answers, a request that cannot get a
database connection or its turn is told to come back (503 + Retry-After), never a 500."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import yaml
from sqlalchemy import func, select, text

from service.auth import create_key
from service.database.engine import make_engine, session_scope
from service.models import ApiKey, Assessment, Project
from service.settings import Settings
from service.web.concurrency import ConcurrencyLimit
from tests.dashboard.live_server import live_server
from tests.service.test_api_harness import API, ROOT, bearer, running_api

CLIENTS = 50
REQUESTS_PER_CLIENT = 12
ANSWERS = {
    section: value
    for section, value in yaml.safe_load((ROOT / "examples" / "answers.yaml").read_text()).items()
    if isinstance(value, dict)
}


async def _client(base: str, n: int, key: str, cookie: str, project_id: str) -> list[tuple[str, int]]:
    auth = {"Authorization": f"Bearer {key}"}
    calls = [
        ("GET", f"{API}/projects", auth, None),
        ("GET", f"{API}/projects/{project_id}", auth, None),
        ("POST", f"{API}/score", auth, {"answers": ANSWERS}),
        ("POST", f"{API}/projects", auth, {"name": f"client {n}"}),
        ("GET", "/projects", {"Cookie": cookie}, None),
        ("GET", f"/projects/{project_id}", {"Cookie": cookie}, None),
    ]
    seen = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for i in range(REQUESTS_PER_CLIENT):
            method, path, headers, body = calls[(n + i) % len(calls)]
            answer = await client.request(method, path, headers=headers, json=body)
            seen.append((f"{method} {path}", answer.status_code))
    return seen


def test_fifty_clients_at_once_get_answers_and_no_server_error(postgres_server: str, tmp_path: Path) -> None:
    # Two requests inside at a time: fifty clients queue at the gate, none waits forever for a
    # connection or a thread (with the pool sized to the threads alone this deadlocked into 503s/500s).
    with live_server(postgres_server, tmp_path / "home", with_worker=False, api_threads=2) as server:
        key = create_key(server.engine, team_name="load", name="load test")
        project = httpx.post(
            f"{server.base_url}{API}/projects",
            json={"name": "load", "answers": ANSWERS},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        cookie = _session_cookie(server, key)

        async def everyone() -> list[list[tuple[str, int]]]:
            return await asyncio.gather(
                *(_client(server.base_url, n, key, cookie, project["id"]) for n in range(CLIENTS))
            )

        answers = [pair for client in asyncio.run(everyone()) for pair in client]
        with session_scope(server.engine) as session:
            created = session.scalar(select(func.count()).select_from(Project))
    assert len(answers) == CLIENTS * REQUESTS_PER_CLIENT
    assert [pair for pair in answers if pair[1] >= 500] == []
    assert {status for _, status in answers} <= {200, 201}
    creates = sum(1 for call, _ in answers if call == f"POST {API}/projects")
    assert created == 1 + creates  # every 201 is a row, nothing lost or doubled


def _session_cookie(server, key: str) -> str:
    from service.dashboard.sessions import create_login_link

    with session_scope(server.engine) as session:
        key_id = session.scalar(select(ApiKey.id).order_by(ApiKey.created_at.desc()))
    link = create_login_link(server.engine, key_id)
    answer = httpx.get(f"{server.base_url}/login/{link}", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return "; ".join(f"{name}={value}" for name, value in answer.cookies.items())


def test_a_request_that_finds_every_connection_busy_is_told_to_retry(settings: Settings) -> None:
    settings = settings.model_copy(update={"api_threads": 1})
    with running_api(settings) as client:
        engine = client.app.state.engine
        headers = bearer(engine, "busy")
        held = []
        try:
            while len(held) < engine.pool.size() + engine.pool._max_overflow:  # every connection it may open
                held.append(engine.connect())
            answer = client.get(f"{API}/projects", headers=headers)
        finally:
            for connection in held:
                connection.close()
        assert answer.status_code == 503
        assert answer.json()["code"] == "database_busy"
        assert answer.headers["Retry-After"] == "1"
        assert client.get(f"{API}/projects", headers=headers).status_code == 200  # and it recovers


def test_a_database_that_went_away_is_a_503_not_a_500(settings: Settings, postgres_server: str) -> None:
    from service.dashboard.sessions import create_login_link

    with running_api(settings) as client:
        engine = client.app.state.engine
        headers = bearer(engine, "gone")
        assert client.get(f"{API}/projects", headers=headers).status_code == 200
        with session_scope(engine) as session:
            key_id = session.scalar(select(ApiKey.id))
        assert client.get(f"/login/{create_login_link(engine, key_id)}").status_code == 200  # signed in
        name = client.app.state.engine.url.database
        admin = make_engine(postgres_server)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # The server drops the API's connections and the database is no longer there to reconnect to.
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            connection.execute(text(f"ALTER DATABASE {name} RENAME TO {name}_away"))
        try:
            answer = client.get(f"{API}/projects", headers=headers)
            page = client.get("/projects", follow_redirects=False)
        finally:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"ALTER DATABASE {name}_away RENAME TO {name}"))
            admin.dispose()
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "database_unavailable" and answer.headers["Retry-After"]
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert client.get(f"{API}/projects", headers=headers).status_code == 200  # back once it is


def test_a_request_that_waits_too_long_for_its_turn_is_answered_503() -> None:
    inside = asyncio.Event()
    leave = asyncio.Event()

    async def slow_app(scope, receive, send) -> None:
        inside.set()
        await leave.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    gate = ConcurrencyLimit(slow_app, limit=1, wait_seconds=0.3)

    async def scenario() -> tuple[int, int, httpx.Response]:
        transport = httpx.ASGITransport(app=gate)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = asyncio.create_task(client.get("/a"))
            await inside.wait()
            turned_away = await client.get("/b")
            leave.set()
            return (await first).status_code, turned_away.status_code, turned_away

    first, second, answer = asyncio.run(scenario())
    assert first == 200
    assert second == 503
    assert answer.json()["code"] == "server_busy" and answer.headers["Retry-After"] == "2"


def test_scoring_answers_says_what_a_project_would_score_and_stores_nothing(settings: Settings) -> None:
    with running_api(settings) as client:
        engine = client.app.state.engine
        headers = bearer(engine, "scoring")
        scored = client.post(f"{API}/score", json={"answers": ANSWERS}, headers=headers)
        with session_scope(engine) as session:
            stored = session.scalar(select(func.count()).select_from(Project))
        project = client.post(f"{API}/projects", json={"name": "p", "answers": ANSWERS}, headers=headers)
        bad = client.post(f"{API}/score", json={"answers": {"feasibility": {"target_value": 7}}}, headers=headers)
        anonymous = client.post(f"{API}/score", json={"answers": ANSWERS})
    assert scored.status_code == 200 and stored == 0
    assert scored.json()["readiness"] == project.json()["readiness"]
    assert set(scored.json()["readiness"]["criteria"]) == {
        "dataset", "reuse", "feasibility", "payoff", "fault_tolerance"
    }
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_answers"
    assert anonymous.status_code == 401



def test_twenty_assessments_submitted_at_once_on_one_dataset_are_all_answered(
    postgres_server: str, tmp_path: Path
) -> None:
    with live_server(postgres_server, tmp_path / "home", with_worker=False, api_threads=2) as server:
        headers = {"Authorization": f"Bearer {create_key(server.engine, team_name='race', name='race')}"}
        project = httpx.post(f"{server.base_url}{API}/projects", json={"name": "race"}, headers=headers).json()
        dataset = httpx.post(
            f"{server.base_url}{API}/projects/{project['id']}/datasets",
            files={"file": ("breast_cancer.csv", (ROOT / "examples" / "breast_cancer.csv").read_bytes())},
            data={"target": "diagnosis", "positive": "malignant"},
            headers=headers,
            timeout=120,
        ).json()

        async def submit_all() -> list[int]:
            async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=120) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(
                            f"{API}/projects/{project['id']}/assessments",
                            json={"dataset_id": dataset["id"], "run_deep": False},
                        )
                        for _ in range(20)
                    )
                )
            return [answer.status_code for answer in answers]

        statuses = asyncio.run(submit_all())
        with session_scope(server.engine) as session:
            rows = session.scalar(select(func.count()).select_from(Assessment))
            jobs = session.scalar(text("SELECT count(*) FROM procrastinate_jobs"))
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) <= {202, 409}
    assert rows == jobs == statuses.count(202)  # one record and one job for each accepted submission
