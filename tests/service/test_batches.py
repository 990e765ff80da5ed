"""Batches over HTTP: a batch is checked as a whole (one bad item refuses it, every problem listed, nothing
written), then recorded and queued at once, and its status follows the records its items made."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.assessments.runtime import run_worker_in_thread
from service.batches import records
from service.models import Assessment, Batch, BatchItem, Dataset, Experiment, Grid, GridPoint, Project
from service.settings import Settings
from tests.factories import churn_frame
from tests.service.test_api_harness import (
    API,
    bearer,
    count_rows,
    make_project,
    running_api,
    stored_files,
    upload,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = ("breast_cancer.csv", "penguins_raw.csv", "answers.yaml")
RECORD_TABLES = (Batch, BatchItem, Project, Dataset, Assessment, Experiment, Grid, GridPoint)

SMALL_BATCH = """
name: small
items:
  - kind: project
    name: bc
    answers:
      dataset: {labels_available: true}
  - kind: dataset
    project: bc
    file: breast_cancer.csv
    target: diagnosis
    positive: malignant
  - kind: assessment
    dataset: breast_cancer
    run_deep: false
    n_resamples: 200
  - kind: grid
    dataset: breast_cancer
    model_family: logistic_regression
    grid: {C: [0.1, 1.0]}
"""


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


def post_batch(
    client: TestClient,
    headers: dict[str, str],
    spec: str,
    files: dict[str, bytes] | None = None,
    *,
    spec_name: str = "batch.yaml",
) -> httpx.Response:
    parts: list[tuple[str, Any]] = [("spec", (spec_name, spec.encode(), "application/yaml"))]
    parts += [("files", (name, body, "application/octet-stream")) for name, body in (files or {}).items()]
    return client.post(f"{API}/batches", files=parts, headers=headers)


def example_files(*names: str) -> dict[str, bytes]:
    return {name: (EXAMPLES / name).read_bytes() for name in names or EXAMPLE_FILES}


def count_jobs(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one())


def assert_nothing_written(engine: Engine, settings: Settings) -> None:
    assert {model.__name__: count_rows(engine, model) for model in RECORD_TABLES} == {
        model.__name__: 0 for model in RECORD_TABLES
    }
    assert stored_files(settings) == []
    assert count_jobs(engine) == 0


def refused(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "invalid_batch"
    assert "nothing was recorded" in body["detail"]
    for problem in body["problems"]:
        assert set(problem) == {"item", "position", "detail", "code"}
        assert problem["item"] in body["detail"] and problem["detail"] in body["detail"]
    return body["problems"]


def wait_until_ended(client: TestClient, headers: dict[str, str], url: str, timeout: float = 400.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"batch still {body['status']} after {timeout} s: {body['items']}")


def test_one_malformed_item_refuses_the_batch_and_nothing_is_written(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    spec = (
        (EXAMPLES / "batch.yaml").read_text().replace("target: Clutch Completion", "target: Clutch Complete")
    )
    problems = refused(post_batch(client, headers, spec, example_files()))
    assert [(p["position"], p["code"]) for p in problems] == [(4, "unknown_target")]
    assert problems[0]["item"] == "item 4 (dataset 'penguins')"
    assert "Clutch Complete" in problems[0]["detail"]
    # The good datasets were stored to be inspected; a refused batch takes them away again.
    assert_nothing_written(engine, settings)


def test_every_problem_is_listed_at_once(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    spec = """
items:
  - kind: project                 # 1: answers that are not answers
    name: alpha
    answers: {dataset: {labels_available: maybe}}
  - kind: projet                  # 2
    name: beta
  - kind: project                 # 3: one look at each test split
    name: gamma
    test_budget: 1
  - kind: dataset                 # 4: no target
    project: gamma
    file: breast_cancer.csv
  - kind: dataset                 # 5: a project nobody declared
    name: orphan
    project: gama
    file: breast_cancer.csv
    target: diagnosis
  - kind: dataset                 # 6: a column that is not there
    name: typo
    project: gamma
    file: breast_cancer.csv
    target: diagnosys
  - kind: dataset                 # 7: a file nobody uploaded
    project: gamma
    file: nope.csv
    target: diagnosis
  - kind: dataset                 # 8: YAML's unquoted No is false
    name: penguins
    project: gamma
    file: penguins_raw.csv
    target: Clutch Completion
    positive: No
  - kind: dataset                 # 9: good
    name: good
    project: gamma
    file: breast_cancer.csv
    target: diagnosis
  - kind: assessment              # 10: out of range
    dataset: good
    max_epochs: 0
  - kind: assessment              # 11: a dataset nobody declared
    dataset: god
  - kind: assessment              # 12: a column to keep that is not there
    dataset: good
    keep_columns: [nope]
  - kind: grid                    # 13: a hyperparameter logistic regression does not have
    dataset: good
    model_family: logistic_regression
    grid: {Cc: [1, 2]}
  - kind: assessment              # 14: good
    dataset: good
    run_deep: false
  - kind: assessment              # 15: a second look at a budget of one
    dataset: good
    run_deep: false
  - kind: assessment              # 16: refers to a broken dataset: no second problem
    dataset: typo
"""
    files = example_files("breast_cancer.csv", "penguins_raw.csv") | {"stray.csv": b"a,b\n1,2\n"}
    problems = refused(post_batch(client, headers, spec, files))
    assert [(p["position"], p["code"]) for p in problems] == [
        (None, "unused_file"),
        (1, "invalid_answers"),
        (2, "unknown_kind"),
        (4, "invalid_item"),
        (5, "unknown_reference"),
        (6, "unknown_target"),
        (7, "file_not_found"),
        (8, "invalid_item"),
        (10, "invalid_item"),
        (11, "unknown_reference"),
        (12, "invalid_option"),
        (13, "invalid_option"),
        (15, "test_budget_exhausted"),
    ]
    by_position = {p["position"]: p for p in problems}
    assert "did you mean 'project'" in by_position[2]["detail"]
    assert "field 'target' is required" in by_position[4]["detail"]
    assert 'quote it: "No"' in by_position[8]["detail"]
    assert "did you mean 'gamma'" in by_position[5]["detail"]
    assert "did you mean 'C'" in by_position[13]["detail"]
    assert "stray.csv" in by_position[None]["detail"]
    assert_nothing_written(engine, settings)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("items:\n  - kind: project\n   name: x\n", "not valid YAML"),
        ('{"items": [', "not valid JSON"),
        ("", "empty"),
        ("- kind: project\n", "expected a mapping"),
        ("name: no items\n", "needs `items:`"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings, spec: str, words: str
) -> None:
    problems = refused(post_batch(client, headers, spec))
    assert len(problems) == 1 and problems[0]["code"] == "invalid_batch_file"
    assert words in problems[0]["detail"]
    assert_nothing_written(engine, settings)


def test_a_file_whose_anchors_expand_without_end_is_refused(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    spec = "\n".join(levels) + "\nitems: [*a8]\n"  # 10^9 values from 90 aliases
    problems = refused(post_batch(client, headers, spec))
    assert [p["code"] for p in problems] == ["invalid_batch_file"] and "expands" in problems[0]["detail"]
    assert_nothing_written(engine, settings)


def test_json_items_may_name_the_teams_own_project_and_dataset(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    project = make_project(client, headers, name="churn")
    dataset = upload(client, headers, project["id"]).json()
    spec = {
        "items": [
            {
                "kind": "dataset",
                "name": "again",
                "project": "churn",
                "file": "penguins_raw.csv",
                "target": "Clutch Completion",
                "positive": "No",
            },
            {"kind": "assessment", "dataset": dataset["id"], "run_deep": False},
            {
                "kind": "grid",
                "dataset": "again",
                "model_family": "random_forest",
                "grid": {"n_estimators": [10]},
            },
        ]
    }
    answer = post_batch(
        client, headers, json.dumps(spec), example_files("penguins_raw.csv"), spec_name="batch.json"
    )
    assert answer.status_code == 202, answer.text
    made, assessment, grid = answer.json()["items"]
    assert (
        client.get(f"{API}/datasets/{made['target_id']}", headers=headers).json()["project_id"]
        == project["id"]
    )
    assert (
        client.get(f"{API}/assessments/{assessment['target_id']}", headers=headers).json()["dataset_id"]
        == (dataset["id"])
    )
    assert (grid["status"], grid["total"]) == ("queued", 1)
    assert count_rows(engine, Project) == 1  # named, not made


def test_a_dataset_over_the_upload_limit_is_a_problem_of_its_item(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    big = churn_frame(1000).to_csv(index=False).encode()
    assert len(big) > 0.02 * 1024 * 1024
    small = settings.model_copy(update={"max_upload_mb": 0.02})
    spec = "items:\n  - {kind: project, name: p}\n  - {kind: dataset, project: p, file: churn.csv, target: churned}\n"
    with running_api(small) as client:
        problems = refused(post_batch(client, bearer(engine, "team-a"), spec, {"churn.csv": big}))
    assert [(p["position"], p["code"]) for p in problems] == [(2, "file_too_large")]
    assert_nothing_written(engine, settings)


def test_if_queuing_fails_nothing_stays_behind(
    client: TestClient,
    headers: dict[str, str],
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deferred = records._Jobs.defer
    calls = 0

    def defer_then_break(self: Any, *args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the queue went away")
        return deferred(self, *args, **kwargs)

    monkeypatch.setattr(records._Jobs, "defer", defer_then_break)
    with pytest.raises(RuntimeError, match="the queue went away"):
        post_batch(client, headers, SMALL_BATCH, example_files("breast_cancer.csv"))
    assert calls == 2  # the first job was deferred, then rolled back with the records
    assert_nothing_written(engine, settings)


def test_a_good_batch_runs_to_the_end(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    answer = post_batch(client, headers, SMALL_BATCH, example_files("breast_cancer.csv"))
    assert answer.status_code == 202, answer.text
    batch = answer.json()
    assert answer.headers["Location"] == f"{API}/batches/{batch['id']}"
    assert batch["status"] == "queued" and batch["name"] == "small"
    kinds = [(item["position"], item["kind"], item["status"]) for item in batch["items"]]
    assert kinds == [
        (1, "project", "succeeded"),
        (2, "dataset", "succeeded"),
        (3, "assessment", "queued"),
        (4, "grid", "queued"),
    ]
    assert count_jobs(engine) == 3  # the assessment and two grid points
    worker = run_worker_in_thread(settings)
    try:
        done = wait_until_ended(client, headers, answer.headers["Location"])
    finally:
        worker.stop()
    assert done["status"] == "succeeded", done["items"]
    assert done["counts"] == {"succeeded": 4}
    project, dataset, assessment, grid = done["items"]
    assert dataset["result"] == {"rows": 569, "columns": 30}
    assert assessment["result"]["verdict"] and assessment["result"]["validation_roc_auc"] > 0.9
    assert (grid["done"], grid["total"]) == (2, 2) and grid["result"]["validation_roc_auc"] > 0.9
    # Each item's record is the one the API shows.
    for kind, item in (
        ("projects", project),
        ("datasets", dataset),
        ("assessments", assessment),
        ("grids", grid),
    ):
        assert client.get(f"{API}/{kind}/{item['target_id']}", headers=headers).status_code == 200
    listed = client.get(f"{API}/batches", headers=headers).json()
    assert listed["count"] == 1 and listed["data"][0]["status"] == "succeeded"


def test_a_resubmitted_batch_reuses_its_project_dataset_and_grid_points(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    first = post_batch(client, headers, SMALL_BATCH, example_files("breast_cancer.csv")).json()
    second = post_batch(client, headers, SMALL_BATCH, example_files("breast_cancer.csv")).json()
    assert [i["target_id"] for i in first["items"][:2]] == [i["target_id"] for i in second["items"][:2]]
    assert (count_rows(engine, Project), count_rows(engine, Dataset), count_rows(engine, Batch)) == (1, 1, 2)
    grid = client.get(f"{API}/grids/{second['items'][3]['target_id']}", headers=headers).json()
    assert grid["reused"] == 2  # the first batch's points are queued already: not run twice
    assert count_jobs(engine) == 4  # two assessments, two grid points


def test_another_teams_batch_is_not_found(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    answer = post_batch(client, headers, "items:\n  - {kind: project, name: solo}\n")
    assert answer.status_code == 202, answer.text
    batch_id = answer.json()["id"]
    other = bearer(engine, "team-b")
    missing = client.get(f"{API}/batches/{batch_id}", headers=other)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get(f"{API}/batches", headers=other).json() == {"data": [], "count": 0}
    assert client.get(f"{API}/batches/not-a-uuid", headers=headers).status_code == 404
    assert client.get(f"{API}/batches/{batch_id}", headers=headers).json()["status"] == "succeeded"
    # A batch of team B may not name team A's project either.
    spec = "items:\n  - {kind: dataset, project: solo, file: breast_cancer.csv, target: diagnosis}\n"
    problems = refused(post_batch(client, other, spec, example_files("breast_cancer.csv")))
    assert [(p["position"], p["code"]) for p in problems] == [(1, "unknown_reference")]


def test_the_batch_must_come_as_multipart(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post(f"{API}/batches", json={"items": []}, headers=headers)
    assert answer.status_code == 415 and "-F spec=@batch.yaml" in answer.json()["detail"]
