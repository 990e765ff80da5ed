"""The test-budget ledger, the product's core rule, on the real embedded Postgres: a split takes its
dataset's budget (one for every seed) when it is made; each look is one ledger row, keyed so a retry spends nothing; looks
that race cannot overspend; a raise needs a reason and is audited; and every door that refuses a look
(the API, the dashboard's form, a promotion, the job's own look) says so in the same words and code."""

from __future__ import annotations

import threading
import uuid
from html import escape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.artifacts import ArtifactStore
from service.assessments.store import PostgresStore
from service.database.engine import session_scope
from service.ledger.budget import Budget, budget_of
from service.ledger.looks import record_split, spend_look
from service.ledger.raising import raise_budget
from service.models import Assessment, AssessmentStatus, BudgetChange, Experiment, RunStatus, Split, TestLook
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, sign_in
from tests.service.test_api_harness import API, assert_error, make_project, upload
from workers.assessment.store import InMemoryStore
from workers.assessment.store import TestLook as Look
from workers.errors import InvalidOption, TestBudgetExhausted

SEED = 11
TEAM = "team-a"


@pytest.fixture
def key(engine: Engine) -> str:
    from service.auth import create_key

    return create_key(engine, team_name=TEAM, name="auditor")


@pytest.fixture
def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def dataset(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    project = make_project(client, headers, test_budget=3)
    return upload(client, headers, project["id"]).json()


def _split(engine: Engine, dataset: dict[str, Any], seed: int = SEED) -> Split:
    """The split a job makes for (dataset, seed), through the ledger's own code."""
    with session_scope(engine) as session:
        split = record_split(session, uuid.UUID(dataset["id"]), seed=seed, split_hash="h", sizes={"test": 57})
        session.expunge(split)
        return split


def _store(engine: Engine, settings: Settings, dataset: dict[str, Any], split: Split) -> PostgresStore:
    """The job's store of a new assessment on `split`: what a worker records its one test look through."""
    with session_scope(engine) as session:
        assessment = Assessment(
            project_id=dataset["project_id"], dataset_id=dataset["id"], split_id=split.id, created_by="tests"
        )
        session.add(assessment)
        session.flush()
        assessment_id = assessment.id
    return PostgresStore(engine, ArtifactStore(settings.artifacts_path), assessment_id, who="worker")


def _look(key: str) -> Look:
    return Look(key=key, split_id="h", models=["lr"], metrics={}, reason="final comparison")


def _looks(engine: Engine, split: Split) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).where(TestLook.split_id == split.id)) or 0)


def _spend(engine: Engine, settings: Settings, dataset: dict[str, Any], split: Split, n: int) -> None:
    for i in range(n):
        _store(engine, settings, dataset, split).record_test_look(_look(f"spend-{i}"), limit=99)


def test_a_split_takes_its_projects_budget_and_the_split_not_the_caller_binds(
    engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    split = _split(engine, dataset)
    assert split.test_budget == 3
    store = _store(engine, settings, dataset, split)
    # The job's config says 99; the split's recorded budget is the one that binds.
    assert store.record_test_look(_look("first"), limit=99) == {"limit": 3, "used": 1}
    _spend(engine, settings, dataset, split, 2)
    with pytest.raises(TestBudgetExhausted):
        _store(engine, settings, dataset, split).record_test_look(_look("fourth"), limit=99)
    assert _looks(engine, split) == 3


def test_a_retried_look_with_the_same_key_spends_nothing_even_on_a_spent_budget(
    engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    split = _split(engine, dataset)
    store = _store(engine, settings, dataset, split)
    assert store.record_test_look(_look("job-1:test_look"), limit=3) == {"limit": 3, "used": 1}
    assert store.record_test_look(_look("job-1:test_look"), limit=3) == {"limit": 3, "used": 1}
    _spend(engine, settings, dataset, split, 2)
    # The budget is spent now, but a job that already looked and is retried gets its look back.
    assert store.record_test_look(_look("job-1:test_look"), limit=3) == {"limit": 3, "used": 3}
    assert _looks(engine, split) == 3


def test_looks_that_race_cannot_overspend_and_each_refusal_says_the_same(
    engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    split = _split(engine, dataset)
    stores = [_store(engine, settings, dataset, split) for _ in range(10)]
    barrier = threading.Barrier(len(stores))
    spent: list[dict[str, int]] = []
    refusals: list[str] = []

    def look(i: int) -> None:
        barrier.wait()
        try:
            spent.append(stores[i].record_test_look(_look(f"job-{i}:test_look"), limit=3))
        except TestBudgetExhausted as refused:
            refusals.append(refused.detail)

    threads = [threading.Thread(target=look, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(b["used"] for b in spent) == [1, 2, 3]
    expected = TestBudgetExhausted.for_split(used=3, limit=3, seed=SEED, split_id=split.id).detail
    assert refusals == [expected] * 7
    assert _looks(engine, split) == 3


def test_the_ledger_locks_the_split_itself_and_reads_a_fresh_budget(
    engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    # Callers hand spend_look a split they have not locked (here: one loaded before a raise); the ledger
    # locks the row and reads its budget under the lock, so racing looks spend exactly what is allowed.
    stale = _split(engine, dataset)
    raise_budget(engine, split=stale, new_limit=5, reason="a second hold-out was added", who="lead")
    barrier = threading.Barrier(8)
    refused: list[str] = []

    def look(i: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                spend_look(session, stale, key=f"race-{i}", who="tests", reason="race")
        except TestBudgetExhausted as error:
            refused.append(error.detail)

    threads = [threading.Thread(target=look, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _looks(engine, stale) == 5 and len(refused) == 3
    assert all("looked at 5 of 5 times" in detail for detail in refused)


def test_every_seed_of_a_dataset_draws_on_one_budget(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    # The budget belongs to the dataset's rows: after 3 of 3 looks with one seed, another seed's split (whose
    # test rows were partly seen, in the first test split or in training) is not a fresh budget of 3.
    spent = _split(engine, dataset)
    _spend(engine, settings, dataset, spent, 3)
    start = f"{API}/projects/{dataset['project_id']}/assessments"
    body = {"dataset_id": dataset["id"], "run_deep": False}
    assert_error(
        client.post(start, json={**body, "seed": SEED}, headers=headers), 409, "test_budget_exhausted"
    )
    other = assert_error(
        client.post(start, json={**body, "seed": SEED + 1}, headers=headers), 409, "test_budget_exhausted"
    )
    assert "looked at 3 of 3 times" in other["detail"]
    assert f"Seed {SEED + 1} would make a new split, but every seed of a dataset draws on this one budget" in (
        other["detail"]
    )
    assert f"POST /api/v1/splits/{spent.id}/budget" in other["detail"]
    # A split another seed made earlier (here: by a job) shows the same spent budget, and cannot look.
    second = _split(engine, dataset, seed=SEED + 1)
    assert second.test_budget == 3
    with session_scope(engine) as session:
        assert budget_of(session, session.get(Split, second.id)) == Budget(limit=3, used=3)
    refused = _store(engine, settings, dataset, second)
    with pytest.raises(TestBudgetExhausted, match="shared by the 2 splits of this dataset"):
        refused.record_test_look(_look("second seed"), limit=3)
    with session_scope(engine) as session:  # as its job ends it: failed, holding no look in reserve
        failed = session.get(Assessment, refused.assessment_id)
        assert failed is not None
        failed.status = AssessmentStatus.failed
    # A raise through either split raises the one budget both draw on.
    raise_budget(engine, split=second, new_limit=4, reason="a fresh hold-out was added", who="lead")
    answer = client.get(f"{API}/splits/{spent.id}", headers=headers).json()
    assert answer["budget"] == {"limit": 4, "used": 3, "remaining": 1}
    assert [(c["old_limit"], c["new_limit"]) for c in answer["budget_changes"]] == [(3, 4)]
    assert _store(engine, settings, dataset, spent).record_test_look(_look("after raise"), limit=3) == {
        "limit": 4,
        "used": 4,
        "shared_with": "This budget is shared by the 2 splits of this dataset (seeds 11, 12): a new seed is "
        "not a fresh budget, its test rows were partly seen.",
    }


def test_a_raise_needs_a_reason_is_audited_and_allows_exactly_the_looks_it_adds(
    engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    split = _split(engine, dataset)
    _spend(engine, settings, dataset, split, 3)
    with pytest.raises(InvalidOption, match="needs a reason"):
        raise_budget(engine, split=split, new_limit=4, reason="  ", who="lead")
    with pytest.raises(InvalidOption, match="can only be raised"):
        raise_budget(engine, split=split, new_limit=3, reason="no change", who="lead")
    raised = raise_budget(engine, split=split, new_limit=4, reason="a fresh hold-out was added", who="lead")
    assert raised.test_budget == 4
    assert _store(engine, settings, dataset, split).record_test_look(_look("after"), limit=3) == {
        "limit": 4,
        "used": 4,
    }
    with pytest.raises(TestBudgetExhausted, match="looked at 4 of 4 times"):
        _store(engine, settings, dataset, split).record_test_look(_look("one more"), limit=3)
    with session_scope(engine) as session:
        [change] = session.scalars(select(BudgetChange).where(BudgetChange.split_id == split.id)).all()
        assert (change.old_limit, change.new_limit, change.reason, change.who) == (
            3,
            4,
            "a fresh hold-out was added",
            "lead",
        )


def test_a_batch_over_a_spent_split_is_refused_with_the_split_s_looks_left_and_its_raise(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings, dataset: dict[str, Any]
) -> None:
    split = _split(engine, dataset)
    _spend(engine, settings, dataset, split, 2)
    spec = f"""
items:
  - kind: assessment
    dataset: {dataset["id"]}
    seed: {SEED}
    run_deep: false
  - kind: assessment
    dataset: {dataset["id"]}
    seed: {SEED}
    run_deep: false
"""
    answer = client.post(
        f"{API}/batches", files=[("spec", ("batch.yaml", spec.encode(), "application/yaml"))], headers=headers
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["problems"]
    assert (problem["position"], problem["code"]) == (2, "test_budget_exhausted")
    assert "asks for 2 assessments" in problem["detail"] and "1 of 3 looks left" in problem["detail"]
    # The split exists, so its own budget is the one to raise (a project's test_budget would not reach it).
    assert f"POST /api/v1/splits/{split.id}/budget" in problem["detail"]


def test_every_door_refuses_a_look_at_a_spent_split_in_the_same_words(
    client: TestClient,
    headers: dict[str, str],
    key: str,
    engine: Engine,
    settings: Settings,
    dataset: dict[str, Any],
) -> None:
    split = _split(engine, dataset)
    _spend(engine, settings, dataset, split, 3)
    words = TestBudgetExhausted.for_split(used=3, limit=3, seed=SEED, split_id=split.id).detail
    assert "seed 11" in words and "looked at 3 of 3 times" in words and "validation" in words
    assert f"POST /api/v1/splits/{split.id}/budget" in words

    # The API: a new assessment on the spent split.
    answer = client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], "seed": SEED, "run_deep": False},
        headers=headers,
    )
    assert assert_error(answer, 409, "test_budget_exhausted")["detail"] == words

    # A promotion: an experiment's model looked at on the same split.
    with session_scope(engine) as session:
        experiment = Experiment(
            project_id=dataset["project_id"],
            dataset_id=dataset["id"],
            split_id=split.id,
            model_family="logistic_regression",
            seed=SEED,
            procedure={},
            fingerprint="f" * 64,
            status=RunStatus.succeeded,
            result={"model_artifact": "models/never-loaded"},
            created_by="tests",
        )
        session.add(experiment)
        session.flush()
        experiment_id = experiment.id
    promoted = client.post(
        f"{API}/experiments/{experiment_id}/test-look", json={"reason": "one more look"}, headers=headers
    )
    assert assert_error(promoted, 409, "test_budget_exhausted")["detail"] == words

    # The job's own look, through the store a worker uses.
    late = _store(engine, settings, dataset, split)
    with pytest.raises(TestBudgetExhausted) as refused:
        late.record_test_look(_look("late job"), limit=3)
    assert (refused.value.detail, refused.value.code) == (words, "test_budget_exhausted")
    with session_scope(engine) as session:  # as its job ends it: failed, holding no look in reserve
        failed = session.get(Assessment, late.assessment_id)
        assert failed is not None
        failed.status = AssessmentStatus.failed

    # The dashboard's form, and its project page's budget.
    client.follow_redirects = False  # signing in answers a redirect, as the dashboard's tests see it
    sign_in(client, key)
    token = csrf_token(client)
    page = f"/projects/{dataset['project_id']}"
    form = client.post(
        f"{page}/assessments/new", data={"csrf_token": token, "dataset_id": dataset["id"], "seed": str(SEED)}
    )
    assert form.status_code == 409 and escape(words) in form.text
    shown = client.get(page)
    assert (
        "<strong>3 of 3</strong> looks at the test split used" in shown.text and "budget spent" in shown.text
    )
    assert _looks(engine, split) == 3

    # The in-memory twin the pipeline's tests use: the same wording, with what it knows of the split.
    twin = InMemoryStore()
    twin.record_test_look(_look("only"), limit=1)
    with pytest.raises(TestBudgetExhausted) as in_memory:
        twin.record_test_look(_look("second"), limit=1)
    assert in_memory.value.detail == TestBudgetExhausted.for_split(used=1, limit=1).detail
