"""Inputs the schemathesis run found answered with a 500 after issues 12–15: a journal filter holding a NUL,
and a history page asked for at the very end of Postgres' bigint range. Both are answers, not errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.service.test_api_harness import API, bearer, make_project


def test_a_journal_filter_no_row_could_hold_finds_nothing(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "filters")
    for params in ({"model_family": "xgb\x00oost"}, {"tag": "base\x00line"}):
        answer = client.get(f"{API}/experiments", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"data": [], "count": 0}


def test_a_history_page_past_every_row_is_empty(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "history")
    project = make_project(client, headers)
    answer = client.get(
        f"{API}/projects/{project['id']}/history", params={"offset": 2**63 - 2, "limit": 50}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == []
