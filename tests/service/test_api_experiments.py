"""The lab journal through the API: a re-run is caught, a reasoned repeat is recorded, text keeps its
history, the journal exports, and a worker runs what was queued."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.assessments.runtime import run_worker_in_thread
from service.models import Experiment, ExperimentRevision
from service.settings import Settings
from tests.service.test_api_harness import API, assert_error, bearer, count_rows, make_project, upload


def _dataset(client: TestClient, headers: dict[str, str]) -> str:
    project = make_project(client, headers)
    answer = upload(client, headers, project["id"])
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _submit(client: TestClient, headers: dict[str, str], **body: Any):
    return client.post(f"{API}/experiments", json=body, headers=headers)


def _wait(client: TestClient, headers: dict[str, str], experiment_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{API}/experiments/{experiment_id}", headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"experiment {experiment_id} did not finish: {body['status']}")


def test_the_same_procedure_twice_is_refused_and_points_at_the_first(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    headers = bearer(engine, "team-a")
    dataset_id = _dataset(client, headers)
    first = _submit(
        client,
        headers,
        dataset_id=dataset_id,
        model_family="logistic_regression",
        hyperparameters={"C": 0.5},
        hypothesis="A weaker penalty fits these 30 features better.",
    )
    assert first.status_code == 202, first.text
    assert first.headers["Location"].endswith(first.json()["id"])
    procedure = first.json()["procedure"]
    assert procedure["hyperparameters"]["C"] == 0.5 and "max_iter" in procedure["hyperparameters"]
    assert procedure["versions"]["scikit-learn"]

    again = _submit(
        client, headers, dataset_id=dataset_id, model_family="logistic_regression", hyperparameters={"C": 0.5}
    )
    assert again.status_code == 409, again.text
    body = again.json()
    assert body["code"] == "duplicate_experiment" and body["experiment"]["id"] == first.json()["id"]
    assert first.json()["id"] in body["detail"] and "repeat" in body["detail"]
    assert count_rows(engine, Experiment) == 1

    # Any change to the procedure is a new experiment: a hyperparameter, the seed, the training fraction.
    for change in (
        {"hyperparameters": {"C": 0.25}},
        {"hyperparameters": {"C": 0.5}, "seed": 7},
        {"hyperparameters": {"C": 0.5}, "train_fraction": 0.5},
    ):
        answer = _submit(client, headers, dataset_id=dataset_id, model_family="logistic_regression", **change)
        assert answer.status_code == 202, (change, answer.text)

    no_reason = _submit(
        client,
        headers,
        dataset_id=dataset_id,
        model_family="logistic_regression",
        hyperparameters={"C": 0.5},
        repeat=True,
    )
    assert_error(no_reason, 422, "invalid_option")
    repeat = _submit(
        client,
        headers,
        dataset_id=dataset_id,
        model_family="logistic_regression",
        hyperparameters={"C": 0.5},
        repeat=True,
        repeat_reason="seed-variance study",
    )
    assert repeat.status_code == 202, repeat.text
    assert repeat.json()["repeat_of"] == first.json()["id"]
    assert repeat.json()["repeat_reason"] == "seed-variance study"
    assert repeat.json()["fingerprint"] == first.json()["fingerprint"]

    worker = run_worker_in_thread(settings)
    try:
        done = _wait(client, headers, first.json()["id"])
    finally:
        worker.stop()
    assert done["status"] == "succeeded", done
    assert 0.9 < done["result"]["validation"]["roc_auc"] <= 1.0
    assert done["split_id"] is not None and done["test_result"] is None  # no look at test was spent
    assert done["procedure"]["used_columns"]


def test_another_dataset_is_another_experiment_and_other_teams_see_nothing(
    client: TestClient, engine: Engine
) -> None:
    a, b = bearer(engine, "team-a"), bearer(engine, "team-b")
    first = _submit(client, a, dataset_id=_dataset(client, a), model_family="xgboost")
    assert first.status_code == 202
    other_data = _dataset(client, b)  # the same bytes, but in team b: team a's run is not theirs
    assert _submit(client, b, dataset_id=other_data, model_family="xgboost").status_code == 202
    assert_error(client.get(f"{API}/experiments/{first.json()['id']}", headers=b), 404, "not_found")
    assert client.get(f"{API}/experiments", headers=b).json()["count"] == 1


def test_bad_hyperparameters_are_named_and_nothing_is_written(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    dataset_id = _dataset(client, headers)
    unknown = _submit(
        client, headers, dataset_id=dataset_id, model_family="random_forest", hyperparameters={"n_trees": 10}
    )
    assert "n_trees" in assert_error(unknown, 422, "invalid_option")["detail"]
    negative = _submit(
        client, headers, dataset_id=dataset_id, model_family="deep", hyperparameters={"dropout": 2.0}
    )
    assert "dropout" in assert_error(negative, 422, "invalid_option")["detail"]
    assert_error(_submit(client, headers, dataset_id=dataset_id, model_family="svm"), 422, "invalid_request")
    missing = _submit(
        client, headers, dataset_id="00000000-0000-0000-0000-000000000000", model_family="xgboost"
    )
    assert_error(missing, 404, "not_found")
    assert count_rows(engine, Experiment) == 0


def test_inference_edits_keep_their_history_and_the_journal_exports(
    client: TestClient, engine: Engine
) -> None:
    headers = bearer(engine, "team-a")
    dataset_id = _dataset(client, headers)
    experiment = _submit(
        client,
        headers,
        dataset_id=dataset_id,
        model_family="logistic_regression",
        hypothesis="=cmd|' /C calc'!A0",
        tags=["baseline"],
    ).json()
    url = f"{API}/experiments/{experiment['id']}"
    client.patch(url, json={"inference": "Linear is enough."}, headers=headers)
    edited = client.patch(url, json={"inference": "Linear is enough; deep adds nothing."}, headers=headers)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["inference"] == "Linear is enough; deep adds nothing."
    assert [(r["old_value"], r["new_value"]) for r in body["revisions"]] == [
        ("", "Linear is enough."),
        ("Linear is enough.", "Linear is enough; deep adds nothing."),
    ]
    assert count_rows(engine, ExperimentRevision) == 2

    tagged = client.get(f"{API}/experiments", params={"tag": "baseline"}, headers=headers).json()
    assert tagged["count"] == 1
    assert (
        client.get(f"{API}/experiments", params={"model_family": "deep"}, headers=headers).json()["count"]
        == 0
    )

    project_id = experiment["project_id"]
    markdown = client.get(f"{API}/projects/{project_id}/journal", headers=headers)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "Linear is enough; deep adds nothing." in markdown.text and "**Hypothesis**" in markdown.text
    table = client.get(f"{API}/projects/{project_id}/journal", params={"format": "csv"}, headers=headers)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 1 and rows[0]["model_family"] == "logistic_regression"
    assert rows[0]["hypothesis"].startswith("'=")  # a spreadsheet must not run it as a formula
