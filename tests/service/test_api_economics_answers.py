"""The payoff-in-money answers over HTTP: accepted and stored as given, refused with a clear 422 naming the
field when they cannot be a price (negative, infinite, text) or a number of decisions (zero, negative)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.service.test_api_harness import API, assert_error, bearer

MONEY = {
    "value_true_positive": 1000,
    "cost_false_positive": 400.5,
    "cost_false_negative": 3000,
    "currency": "USD",
    "decisions_per_year": 20000,
}


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


def test_the_money_answers_are_accepted_and_stored(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post(
        f"{API}/projects", json={"name": "money", "answers": {"payoff": MONEY}}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    project = answer.json()
    assert project["answers"]["payoff"] == {
        **MONEY,
        "value_true_positive": 1000.0,
        "cost_false_negative": 3000.0,
        "decisions_per_year": 20000.0,
    }
    # Refinements, not gaps: answering none of them leaves nothing listed as unanswered for them.
    unanswered = project["readiness"]["criteria"]["payoff"]["unanswered"]
    assert not {"value_true_positive", "currency", "decisions_per_year"} & set(unanswered)


@pytest.mark.parametrize(
    ("payoff", "field", "words"),
    [
        ({"decisions_per_year": -5}, "payoff.decisions_per_year", "must be more than 0"),
        ({"decisions_per_year": 0}, "payoff.decisions_per_year", "must be more than 0"),
        ({"cost_false_positive": -1}, "payoff.cost_false_positive", "must be at least 0"),
        ({"cost_false_negative": "a lot"}, "payoff.cost_false_negative", "must be a number"),
        ({"currency": "Pounds sterling of 1971"}, "payoff.currency", "at most 12 characters"),
        ({"value_true_positive": 0, "cost_false_negative": 0, "cost_false_positive": 5}, "payoff", "both 0"),
    ],
)
def test_impossible_money_answers_are_refused_naming_the_field(
    client: TestClient, headers: dict[str, str], payoff: dict[str, Any], field: str, words: str
) -> None:
    body = assert_error(
        client.post(f"{API}/projects", json={"name": "x", "answers": {"payoff": payoff}}, headers=headers),
        422,
        "invalid_answers",
    )
    assert field in body["detail"] and words in body["detail"], body
    assert client.get(f"{API}/projects", headers=headers).json()["count"] == 0  # nothing half-written
