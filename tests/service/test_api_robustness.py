"""Inputs a fuzzer (schemathesis) found answered 500: each is now a 4xx in the {detail, code} shape,
refused before the database sees it, and leaves nothing behind."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.database.engine import session_scope
from service.models import Assessment, Dataset, Project, Split
from service.settings import Settings
from tests.service.test_api_harness import (
    API,
    assert_error,
    bearer,
    count_rows,
    make_project,
    stored_files,
    upload,
)

NUL = "\x00"


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


@pytest.fixture
def dataset(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    project = make_project(client, headers)
    answer = upload(client, headers, project["id"])
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999"])
def test_an_offset_past_what_postgres_can_skip_is_a_422(
    client: TestClient, headers: dict[str, str], offset: str
) -> None:
    body = assert_error(
        client.get(f"{API}/projects", params={"offset": offset}, headers=headers), 422, "invalid_request"
    )
    assert "offset" in body["detail"]


def test_the_largest_offset_postgres_takes_is_an_empty_page(
    client: TestClient, headers: dict[str, str]
) -> None:
    make_project(client, headers)
    answer = client.get(f"{API}/projects", params={"offset": str(2**63 - 1)}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"data": [], "count": 1}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": f"churn{NUL}"}, "name"),
        ({"name": "churn", "description": f"why{NUL}"}, "description"),
        ({"name": "churn", "answers": {"payoff": {"oracle_impact": f"big{NUL}"}}}, "answers"),
    ],
)
def test_a_nul_character_in_a_new_project_is_a_422(
    client: TestClient, engine: Engine, headers: dict[str, str], fields: dict[str, Any], field: str
) -> None:
    body = assert_error(client.post(f"{API}/projects", json=fields, headers=headers), 422, "invalid_request")
    assert repr(field) in body["detail"] and "NUL" in body["detail"]
    assert count_rows(engine, Project) == 0


@pytest.mark.parametrize(
    "change", [{"name": f"a{NUL}"}, {"description": NUL}, {"answers": {"project": f"x{NUL}"}}]
)
def test_a_nul_character_in_a_project_change_is_a_422_and_changes_nothing(
    client: TestClient, headers: dict[str, str], change: dict[str, Any]
) -> None:
    project = make_project(client, headers, description="kept")
    url = f"{API}/projects/{project['id']}"
    assert_error(client.patch(url, json=change, headers=headers), 422, "invalid_request")
    assert client.get(url, headers=headers).json() == project


@pytest.mark.parametrize("seed", [2**31, 10**20])
def test_a_seed_too_large_for_a_split_is_a_422_and_queues_nothing(
    client: TestClient, engine: Engine, headers: dict[str, str], dataset: dict[str, Any], seed: int
) -> None:
    answer = client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], "seed": seed, "run_deep": False},
        headers=headers,
    )
    body = assert_error(answer, 422, "invalid_request")
    assert "'seed'" in body["detail"] and str(2**31 - 1) in body["detail"]
    assert count_rows(engine, Assessment) == 0


def test_a_budget_raise_with_a_nul_in_its_reason_is_a_422(
    client: TestClient, engine: Engine, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset["id"], seed=7, split_hash="0" * 16, sizes={}, test_budget=1)
        session.add(split)
        session.flush()
        split_id = str(split.id)
    url = f"{API}/splits/{split_id}/budget"
    # The split draws on its dataset's budget (the project's 3), whatever the row made by hand says.
    limit = client.get(f"{API}/splits/{split_id}", headers=headers).json()["budget"]["limit"]
    answer = client.post(url, json={"new_limit": limit + 1, "reason": f"more{NUL}"}, headers=headers)
    assert "'reason'" in assert_error(answer, 422, "invalid_request")["detail"]
    assert client.get(f"{API}/splits/{split_id}", headers=headers).json()["budget"]["limit"] == limit


def test_a_parquet_file_with_a_nul_in_a_column_name_is_refused_and_not_kept(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {f"a{NUL}b": rng.random(n), "c": rng.random(n), "y": np.where(rng.random(n) > 0.5, "p", "n")}
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    project = make_project(client, headers)
    answer = upload(
        client,
        headers,
        project["id"],
        content=buffer.getvalue(),
        filename="t.parquet",
        target="y",
        positive="p",
    )
    assert "NUL" in assert_error(answer, 422, "unreadable_file")["detail"]
    assert count_rows(engine, Dataset) == 0
    assert stored_files(settings) == []
