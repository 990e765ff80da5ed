"""The test budget over HTTP: a spent split refuses new assessments with 409 and says what to do;
raising the budget needs a reason and leaves an audit row; the ledger is readable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.database.engine import session_scope
from service.ledger.looks import spend_look
from service.models import Assessment, BudgetChange, Split
from tests.service.test_api_harness import (
    API,
    assert_error,
    bearer,
    count_rows,
    make_project,
    upload,
)

SEED = 11


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a", name="auditor")


@pytest.fixture
def dataset(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    project = make_project(client, headers, test_budget=1)
    return upload(client, headers, project["id"]).json()


@pytest.fixture
def spent_split(engine: Engine, dataset: dict[str, Any]) -> str:
    """The split a worker made for SEED, its one look already spent (through the ledger's own code)."""
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset["id"], seed=SEED, split_hash="0" * 16, sizes={}, test_budget=1)
        session.add(split)
        session.flush()
        spend_look(session, split, key="first-look", who="tests", reason="final evaluation", models=["lr"])
        return str(split.id)


def _start(client: TestClient, headers: dict[str, str], dataset: dict[str, Any]):
    return client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], "seed": SEED, "run_deep": False},
        headers=headers,
    )


def test_a_spent_budget_refuses_a_new_assessment_and_says_what_to_do(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any], spent_split: str, engine: Engine
) -> None:
    body = assert_error(_start(client, headers, dataset), 409, "test_budget_exhausted")
    assert f"/splits/{spent_split}/budget" in body["detail"] and "validation" in body["detail"]
    assert count_rows(engine, Assessment) == 0
    split = client.get(f"{API}/splits/{spent_split}", headers=headers).json()
    assert split["budget"] == {"limit": 1, "used": 1, "remaining": 0}
    ledger = client.get(f"{API}/splits/{spent_split}/ledger", headers=headers).json()
    assert ledger["count"] == 1
    assert ledger["data"][0]["reason"] == "final evaluation" and ledger["data"][0]["models"] == ["lr"]
    listed = client.get(f"{API}/datasets/{dataset['id']}/splits", headers=headers).json()
    assert [s["id"] for s in listed["data"]] == [spent_split]


def test_raising_a_budget_needs_a_reason_and_is_audited(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any], spent_split: str, engine: Engine
) -> None:
    url = f"{API}/splits/{spent_split}/budget"
    assert (
        "'reason'"
        in assert_error(client.post(url, json={"new_limit": 2}, headers=headers), 422, "invalid_request")[
            "detail"
        ]
    )
    assert_error(
        client.post(url, json={"new_limit": 2, "reason": "   "}, headers=headers), 422, "invalid_request"
    )
    lowered = client.post(url, json={"new_limit": 1, "reason": "tidy up"}, headers=headers)
    assert_error(lowered, 422, "invalid_option")
    assert count_rows(engine, BudgetChange) == 0

    answer = client.post(
        url, json={"new_limit": 2, "reason": " a fresh hold-out was added "}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    split = answer.json()
    assert split["budget"] == {"limit": 2, "used": 1, "remaining": 1}
    [change] = split["budget_changes"]
    assert (change["old_limit"], change["new_limit"]) == (1, 2)
    assert change["reason"] == "a fresh hold-out was added" and "auditor" in change["who"]
    with session_scope(engine) as session:
        row = session.scalar(select(BudgetChange))
        assert (row.split_id, row.reason, row.who) == (
            session.get(Split, spent_split).id,
            change["reason"],
            change["who"],
        )
    assert _start(client, headers, dataset).status_code == 202
