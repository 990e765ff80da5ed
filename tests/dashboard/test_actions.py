"""Acting from the dashboard over HTTP (no worker runs: jobs stay queued): start a grid, submit a batch,
cancel grids, batches and assessments from their lists, promote a grid point, raise a budget. Every form
needs the session's CSRF token, another team's ids answer as unknown ones, and a refusal is answered beside
its field with the form refilled and nothing written."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.models import Assessment, Batch, BudgetChange, Experiment, Grid, RunStatus, Split, TestLook
from service.settings import Settings
from tests.dashboard.browsing import add_assessment, csrf_token, new_key, sign_in
from tests.service.records import project_with_dataset
from tests.service.test_api_harness import API, BREAST_CANCER, running_api

SMALL_BATCH = """
name: from the dashboard
items:
  - kind: project
    name: bc
  - kind: dataset
    project: bc
    file: breast_cancer.csv
    target: diagnosis
    positive: malignant
  - kind: grid
    dataset: breast_cancer
    model_family: logistic_regression
    grid: {C: [0.1, 1.0]}
"""


def _count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def team_a(
    settings: Settings, engine: Engine, app_client: TestClient
) -> Iterator[tuple[TestClient, str, str, str]]:
    """team-a signed in, with a project and dataset: (client, token, project id, dataset id)."""
    project, dataset = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
    )
    sign_in(app_client, new_key(engine, "team-a"))
    yield app_client, csrf_token(app_client), str(project.id), str(dataset.id)


def _start_grid(client: TestClient, token: str, project: str, dataset: str, **fields: str):
    data = {
        "csrf_token": token,
        "model_family": "logistic_regression",
        "dataset_id": dataset,
        "split_seed": "7",
    }
    return client.post(f"/projects/{project}/grids/new", data=data | fields)


def test_a_grid_started_from_the_form_is_the_grid_the_api_would_make(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    form = client.get(f"/projects/{project}/grids/new?family=xgboost")
    assert (
        form.status_code == 200
        and 'name="hp_max_depth" type="text" autocomplete="off" spellcheck="false" value="3, 6, 9"'
        in form.text
    )
    started = _start_grid(client, token, project, dataset, hp_C="0.1, 1", hypothesis="C matters little")
    assert started.status_code == 303, started.text
    grid_url = started.headers["location"]
    with session_scope(engine) as session:
        grid = session.get(Grid, uuid.UUID(grid_url.rsplit("/", 1)[1]))
        assert grid.spec == {"C": [0.1, 1]} and grid.points == 2 and grid.split_seed == 7
        assert grid.hypothesis == "C matters little" and "dashboard tests" in grid.created_by
    page = client.get(grid_url).text
    assert "Cancel the grid" in page and "Promote to the test split" in page


def test_a_bad_range_is_answered_beside_its_field_and_keeps_the_form(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    answer = _start_grid(
        client, token, project, dataset, hp_C="log 0..100 x5", hp_max_iter="500", hypothesis="h1"
    )
    assert answer.status_code == 400
    # The grid code's own words, as the API's 422 says them, beside the C field.
    assert re.search(r'id="hp-C-error".*log_range needs positive ends', answer.text)
    assert (
        'value="log 0..100 x5"' in answer.text
        and 'value="500"' in answer.text
        and ">h1</textarea>" in answer.text
    )
    unreadable = _start_grid(client, token, project, dataset, hp_C="lots")
    assert unreadable.status_code == 400 and "must be a number" in unreadable.text
    too_big = _start_grid(client, token, project, dataset, hp_C="log 0.01..100 x20", hp_max_iter="1..300 x20")
    assert too_big.status_code == 400 and "at most 256 are allowed" in too_big.text
    assert _count(engine, Grid) == 0 and _count(engine, Experiment) == 0


def test_cancelling_a_grid_from_the_list_withdraws_its_waiting_points(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    grid_url = _start_grid(client, token, project, dataset, hp_C="0.1, 1").headers["location"]
    listing = client.get("/grids").text
    assert "data-cancel-grid=" in listing
    grid_id = grid_url.rsplit("/", 1)[1]
    answer = client.post(f"/grids/{grid_id}/cancel", data={"csrf_token": token, "next": "/grids"})
    assert answer.status_code == 303 and answer.headers["location"] == "/grids"
    with session_scope(engine) as session:
        states = session.scalars(select(Experiment.status).where(Experiment.grid_id == grid_id)).all()
    assert sorted(states) == [RunStatus.cancelled, RunStatus.cancelled]
    assert "data-cancel-grid=" not in client.get("/grids").text  # nothing left to cancel
    assert "2 cancelled" in client.get(grid_url).text


def test_promoting_before_any_point_ran_is_refused_inline(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    grid_url = _start_grid(client, token, project, dataset, hp_C="0.1, 1").headers["location"]
    answer = client.post(f"{grid_url}/promote", data={"csrf_token": token, "reason": "best on validation"})
    assert answer.status_code == 409 and "no finished point with a score yet" in answer.text
    assert 'value="best on validation"' in answer.text  # the reason is kept
    assert '<meta http-equiv="refresh"' not in answer.text  # a refresh would lose it


def test_a_batch_submitted_from_files_is_queued_and_a_bad_one_lists_its_problems(
    team_a, engine: Engine
) -> None:
    client, token, _, _ = team_a
    bad = SMALL_BATCH.replace("target: diagnosis", "target: nope").replace(
        "model_family: logistic_regression", "model_family: lasso"
    )
    refused = client.post(
        "/batches/new",
        data={"csrf_token": token},
        files=[
            ("spec", ("batch.yaml", bad.encode())),
            ("files", ("breast_cancer.csv", BREAST_CANCER.read_bytes())),
        ],
    )
    assert refused.status_code == 422
    problems = re.findall(r'data-problem-code="([^"]+)"', refused.text)
    assert len(problems) == 2 and "nothing was recorded" in refused.text
    assert _count(engine, Batch) == 0 and _count(engine, Grid) == 0
    accepted = client.post(
        "/batches/new",
        data={"csrf_token": token},
        files=[
            ("spec", ("batch.yaml", SMALL_BATCH.encode())),
            ("files", ("breast_cancer.csv", BREAST_CANCER.read_bytes())),
        ],
    )
    assert accepted.status_code == 303, accepted.text
    batch_url = accepted.headers["location"]
    assert "Cancel the batch" in client.get(batch_url).text
    assert "data-cancel-batch=" in client.get("/batches").text
    cancelled = client.post(f"{batch_url}/cancel", data={"csrf_token": token, "next": "/batches"})
    assert cancelled.status_code == 303 and cancelled.headers["location"] == "/batches"
    with session_scope(engine) as session:
        states = session.scalars(select(Experiment.status).where(Experiment.grid_id.is_not(None))).all()
    assert sorted(states) == [RunStatus.cancelled, RunStatus.cancelled]
    assert "data-cancel-batch=" not in client.get("/batches").text


def test_an_assessment_is_cancelled_from_the_list_and_the_list_comes_back(team_a, engine: Engine) -> None:
    client, token, project, _ = team_a
    assessment = add_assessment(engine, project)  # queued, no job behind it
    listing = client.get(f"/projects/{project}/assessments").text
    assert f'data-cancel-assessment="{assessment}"' in listing
    answer = client.post(
        f"/assessments/{assessment}/cancel",
        data={"csrf_token": token, "next": f"/projects/{project}/assessments"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/projects/{project}/assessments"
    with session_scope(engine) as session:
        assert session.get(Assessment, uuid.UUID(assessment)).cancel_requested
    assert "cancelling" in client.get(f"/projects/{project}/assessments").text
    off_site = client.post(
        f"/assessments/{assessment}/cancel", data={"csrf_token": token, "next": "//evil.example"}
    )
    assert off_site.headers["location"] == "/projects"


def _split(engine: Engine, dataset: str, budget: int = 3) -> str:
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset, seed=5, split_hash="h", sizes={}, test_budget=budget)
        session.add(split)
    return str(split.id)


def test_a_budget_is_raised_with_a_reason_and_audited(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    split = _split(engine, dataset)
    assert f'data-raise-budget="{split}"' in client.get(f"/projects/{project}").text
    no_reason = client.post(
        f"/splits/{split}/budget", data={"csrf_token": token, "new_limit": "5", "reason": " "}
    )
    assert (
        no_reason.status_code == 400 and "needs a reason" in no_reason.text and 'value="5"' in no_reason.text
    )
    lower = client.post(
        f"/splits/{split}/budget", data={"csrf_token": token, "new_limit": "2", "reason": "why"}
    )
    assert lower.status_code == 400 and "it can only be raised" in lower.text and 'value="why"' in lower.text
    assert _count(engine, BudgetChange) == 0
    raised = client.post(
        f"/splits/{split}/budget",
        data={"csrf_token": token, "new_limit": "5", "reason": "a second holdout question"},
    )
    assert raised.status_code == 303 and raised.headers["location"].endswith("?saved=budget#budget")
    page = client.get(raised.headers["location"]).text
    assert (
        "0 of 5</strong> looks" in page and "a second holdout question" in page and "dashboard tests" in page
    )
    with session_scope(engine) as session:
        change = session.scalar(select(BudgetChange))
        assert (change.old_limit, change.new_limit) == (3, 5)


def test_every_new_form_needs_the_sessions_token(team_a, engine: Engine) -> None:
    client, _, project, dataset = team_a
    grid_url = _start_grid(client, csrf_token(client), project, dataset, hp_C="0.1, 1").headers["location"]
    split = _split(engine, dataset)
    forged = {"csrf_token": "forged", "new_limit": "9", "reason": "r", "dataset_id": dataset, "hp_C": "1"}
    for path in (
        f"/projects/{project}/grids/new",
        f"{grid_url}/cancel",
        f"{grid_url}/promote",
        "/batches/new",
        f"/splits/{split}/budget",
    ):
        answer = client.post(path, data=forged)
        assert answer.status_code == 403 and "security token" in answer.text, path
    assert _count(engine, Grid) == 1 and _count(engine, BudgetChange) == 0 and _count(engine, Batch) == 0
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).where(Experiment.status == RunStatus.cancelled)) == 0


def test_another_teams_records_answer_as_unknown(team_a, settings: Settings, engine: Engine) -> None:
    client, token, project, dataset = team_a
    grid_url = _start_grid(client, token, project, dataset, hp_C="0.1, 1").headers["location"]
    split = _split(engine, dataset)
    with running_api(settings) as other:
        other.follow_redirects = False
        sign_in(other, new_key(engine, "team-b"))
        theirs = csrf_token(other)
        for path in (f"/projects/{project}/grids/new", f"/splits/{split}/budget", grid_url):
            assert other.get(path).status_code == 404, path
        for path in (
            f"/projects/{project}/grids/new",
            f"{grid_url}/cancel",
            f"{grid_url}/promote",
            f"/splits/{split}/budget",
            f"/batches/{uuid.uuid4()}/cancel",
        ):
            answer = other.post(
                path, data={"csrf_token": theirs, "new_limit": "9", "reason": "r", "hp_C": "1"}
            )
            assert answer.status_code == 404 and "in your team" in answer.text, path
    assert _count(engine, Grid) == 1 and _count(engine, BudgetChange) == 0
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).where(Experiment.status == RunStatus.cancelled)) == 0


def test_the_api_cancels_grids_and_batches_too(settings: Settings, engine: Engine) -> None:
    _, dataset = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
    )
    headers = {"Authorization": f"Bearer {new_key(engine, 'team-a')}"}
    with running_api(settings) as client:
        made = client.post(
            f"{API}/grids",
            json={
                "dataset_id": str(dataset.id),
                "model_family": "logistic_regression",
                "grid": {"C": [0.1, 1]},
            },
            headers=headers,
        )
        assert made.status_code == 202, made.text
        cancelled = client.post(f"{API}/grids/{made.json()['id']}/cancel", headers=headers)
        assert cancelled.status_code == 200 and cancelled.json()["progress"]["cancelled"] == 2
        assert client.post(f"{API}/grids/{uuid.uuid4()}/cancel", headers=headers).status_code == 404
        assert client.post(f"{API}/batches/{uuid.uuid4()}/cancel", headers=headers).status_code == 404


def test_promoting_with_no_look_left_is_refused_with_the_budget_message(team_a, engine: Engine) -> None:
    client, token, project, dataset = team_a
    grid_url = _start_grid(client, token, project, dataset, hp_C="0.1, 1").headers["location"]
    grid_id = uuid.UUID(grid_url.rsplit("/", 1)[1])
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset, seed=7, split_hash="h", sizes={}, test_budget=1)
        session.add(split)
        session.flush()
        session.add(TestLook(split_id=split.id, key="k", who="someone", reason="earlier look"))
        for row in session.scalars(select(Experiment).where(Experiment.grid_id == grid_id)):
            # As a worker leaves a finished point (no worker runs here); the budget refuses before the model
            # is loaded, so the artifact is never read.
            row.status, row.split_id = RunStatus.succeeded, split.id
            row.result = {"model_artifact": "unused", "validation": {"roc_auc": 0.9}}
    answer = client.post(f"{grid_url}/promote", data={"csrf_token": token, "reason": "ship it"})
    assert answer.status_code == 409 and "has been looked at 1 of 1 times" in answer.text
    assert f'href="/splits/{split.id}/budget" data-raise-link' in answer.text
    assert 'value="ship it"' in answer.text
    with session_scope(engine) as session:
        assert session.get(Grid, grid_id).promoted_experiment_id is None


def test_a_running_point_is_left_to_finish_and_a_batch_cancel_reaches_its_grid(
    settings: Settings, engine: Engine
) -> None:
    _, dataset = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
    )
    headers = {"Authorization": f"Bearer {new_key(engine, 'team-a')}"}
    with running_api(settings) as client:
        made = client.post(
            f"{API}/grids",
            json={
                "dataset_id": str(dataset.id),
                "model_family": "logistic_regression",
                "grid": {"C": [0.5, 2]},
            },
            headers=headers,
        ).json()
        with session_scope(engine) as session:
            first = session.scalars(
                select(Experiment).where(Experiment.grid_id == made["id"]).order_by(Experiment.created_at)
            ).first()
            first.status = RunStatus.running  # as a worker that took its job leaves it
        answer = client.post(f"{API}/grids/{made['id']}/cancel", headers=headers).json()
        assert answer["progress"]["running"] == 1 and answer["progress"]["cancelled"] == 1
        # Other C values than the first grid's: a point already run (or running) would be reused, not queued.
        batch = client.post(
            f"{API}/batches",
            files=[
                ("spec", ("b.yaml", SMALL_BATCH.encode())),
                ("files", ("breast_cancer.csv", BREAST_CANCER.read_bytes())),
            ],
            headers=headers,
        )
        assert batch.status_code == 202, batch.text
        cancelled = client.post(f"{API}/batches/{batch.json()['id']}/cancel", headers=headers)
        assert cancelled.status_code == 200
        grid_item = next(i for i in cancelled.json()["items"] if i["kind"] == "grid")
        assert grid_item["status"] == "cancelled"
