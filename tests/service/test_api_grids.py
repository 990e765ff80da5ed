"""Grids through the API: points that already ran are reused (not queued again), two workers share the
rest, the leaderboard ranks on validation through the Ladder (every point ranked, scores within [0, 1]),
and promotion spends the budget and shows the promoted point with its test result in the grid's detail."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.assessments.runtime import run_worker_in_thread
from service.jobs.app import EXPERIMENT_TASK
from service.models import Experiment, Grid, TestLook
from service.settings import Settings
from tests.service.test_api_harness import API, assert_error, bearer, count_rows, make_project, upload
from workers.experiments.grid import expand_grid

GRID = {"C": {"log_range": [0.001, 1000], "count": 12}}


def _experiment_jobs(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        return [
            (row[0], row[1])
            for row in connection.execute(
                text("SELECT status, worker_id::text FROM procrastinate_jobs WHERE task_name = :t"),
                {"t": EXPERIMENT_TASK},
            )
        ]


def _wait_grid(client: TestClient, headers: dict[str, str], grid_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{API}/grids/{grid_id}", headers=headers).json()
        if body["status"] == "finished":
            return body
        time.sleep(0.5)
    raise AssertionError(f"grid did not finish: {body['progress']}")


def test_a_grid_of_12_with_4_already_run_queues_8_and_two_workers_finish_it(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    dataset_id = upload(client, headers, project["id"]).json()["id"]
    points = expand_grid("logistic_regression", GRID)
    assert len(points) == 12
    for point in points[::3]:  # 4 of the 12 points ran before, on their own
        answer = client.post(
            f"{API}/experiments",
            json={"dataset_id": dataset_id, "model_family": "logistic_regression", "hyperparameters": point},
            headers=headers,
        )
        assert answer.status_code == 202, answer.text
    assert len(_experiment_jobs(engine)) == 4

    answer = client.post(
        f"{API}/grids",
        json={
            "dataset_id": dataset_id,
            "model_family": "logistic_regression",
            "grid": GRID,
            "name": "C sweep",
        },
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    grid = answer.json()
    assert (grid["points"], grid["reused"]) == (12, 4)
    assert len(_experiment_jobs(engine)) == 4 + 8  # exactly 8 new jobs
    assert count_rows(engine, Experiment) == 12

    workers = [run_worker_in_thread(settings), run_worker_in_thread(settings)]
    try:
        done = _wait_grid(client, headers, grid["id"])
    finally:
        for worker in workers:
            worker.stop()
    assert done["progress"]["succeeded"] == 12
    jobs = _experiment_jobs(engine)
    assert {status for status, _ in jobs} == {"succeeded"}
    with engine.connect() as connection:
        ran_by = (
            connection.execute(
                text("SELECT DISTINCT result->>'worker' FROM experiment WHERE grid_id = :g"),
                {"g": grid["id"]},
            )
            .scalars()
            .all()
        )
    assert len(ran_by) == 2, ran_by  # the grid's 8 new points were shared by both workers

    board = done["leaderboard"]
    assert board["ranked_by"] == "ladder" and "Ladder (Blum & Hardt 2015)" in board["explanation"]
    assert [row["rank"] for row in board["rows"]] == list(range(1, 13))  # reused points ranked too
    assert board["promoted"] is None and not any(row["promoted"] for row in board["rows"])
    shown = [row[key] for row in board["rows"] for key in ("validation_roc_auc", "ladder_roc_auc")]
    assert all(0.0 <= value <= 1.0 for value in shown if value is not None)
    leader = board["rows"][0]
    assert leader["ladder_new_best"] and leader["ladder_roc_auc"] == round(leader["validation_roc_auc"], 2)
    # No later, more complex point beat the leader by a step: the Ladder does not reward a bigger C.
    later = [r for r in board["rows"][1:] if r["complexity"] > leader["complexity"]]
    assert all(r["validation_roc_auc"] <= leader["ladder_roc_auc"] + board["step"] for r in later)
    assert sum(row["reused"] for row in board["rows"]) == 4
    assert all(set(row["hyperparameters"]) == {"C"} for row in board["rows"])
    plain = client.get(f"{API}/grids/{grid['id']}", params={"rank_by": "validation"}, headers=headers).json()
    values = [row["validation_roc_auc"] for row in plain["leaderboard"]["rows"]]
    assert values == sorted(values, reverse=True)

    # The same grid again reuses every point and queues nothing.
    again = client.post(
        f"{API}/grids",
        json={"dataset_id": dataset_id, "model_family": "logistic_regression", "grid": GRID},
        headers=headers,
    ).json()
    assert (again["reused"], again["status"]) == (12, "finished")
    assert len(_experiment_jobs(engine)) == 12

    # Promotion: one look at test through the ledger; promoting the same point again spends nothing.
    url = f"{API}/grids/{grid['id']}/promote"
    promoted = client.post(url, json={"reason": "best C on validation"}, headers=headers)
    assert promoted.status_code == 200, promoted.text
    look = promoted.json()["experiment"]["test_result"]
    assert 0.9 < look["metrics"]["roc_auc"]["value"] <= 1.0 and look["budget"] == {"limit": 3, "used": 1}
    assert promoted.json()["experiment"]["id"] == board["rows"][0]["experiment_id"]
    detail = client.get(f"{API}/grids/{grid['id']}", headers=headers).json()["leaderboard"]
    assert detail["promoted"]["experiment_id"] == board["rows"][0]["experiment_id"]
    assert detail["promoted"]["rank"] == 1 and detail["promoted"]["budget"] == {"limit": 3, "used": 1}
    assert detail["promoted"]["test_metrics"]["roc_auc"] == look["metrics"]["roc_auc"]
    assert [row["promoted"] for row in detail["rows"]] == [True] + [False] * 11
    assert client.post(url, json={"reason": "again"}, headers=headers).status_code == 200
    assert count_rows(engine, TestLook) == 1
    others = [row["experiment_id"] for row in board["rows"][1:4]]
    for other in others[:2]:
        answer = client.post(url, json={"reason": "peek", "experiment_id": other}, headers=headers)
        assert answer.status_code == 200, answer.text
    spent = client.post(url, json={"reason": "one more", "experiment_id": others[2]}, headers=headers)
    assert_error(spent, 409, "test_budget_exhausted")
    assert count_rows(engine, TestLook) == 3


def test_a_bad_grid_is_refused_whole(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    dataset_id = upload(client, headers, project["id"]).json()["id"]
    for grid, word in (
        ({"max_depth": []}, "max_depth"),
        ({"learning_rate": {"log_range": [0, 1], "count": 3}}, "learning_rate"),
        ({"depth": [1, 2]}, "depth"),
        ({"max_depth": list(range(1, 20)), "learning_rate": {"range": [0.01, 0.5], "count": 20}}, "256"),
    ):
        answer = client.post(
            f"{API}/grids",
            json={"dataset_id": dataset_id, "model_family": "xgboost", "grid": grid},
            headers=headers,
        )
        assert word in assert_error(answer, 422, "invalid_option")["detail"], grid
    assert count_rows(engine, Grid) == 0 and count_rows(engine, Experiment) == 0
    assert _experiment_jobs(engine) == []
