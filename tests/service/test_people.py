"""People, not key labels: a key belongs to a named person, every record made with it names them (answer
edits, experiments, test looks, budget raises, cancels), a project's history lists who did what and when —
through the API, the dashboard and the CLI — and keys made before people were named keep working."""

from __future__ import annotations

import csv
import getpass
import io
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from service.assessments.runtime import run_worker_in_thread
from service.auth import authenticate, hash_key
from service.database.engine import session_scope
from service.models import ApiKey, Grid
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, sign_in
from tests.service.test_api_harness import API, assert_error, bearer, make_project, running_api, upload

ADA = "Ada Lovelace"


def _wait(
    client: TestClient, headers: dict[str, str], experiment_id: str, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"{API}/experiments/{experiment_id}", headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"experiment {experiment_id} did not finish: {body.get('status')}")


def test_every_record_a_persons_key_makes_names_them_and_the_history_lists_them_in_order(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    headers = bearer(engine, "team-a", name=ADA)
    project = make_project(client, headers, test_budget=1)
    pid = project["id"]
    edited = client.patch(
        f"{API}/projects/{pid}",
        json={"name": "churn 2", "answers": {"dataset": {"labels_available": True}}},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    dataset = upload(client, headers, pid).json()
    experiment = client.post(
        f"{API}/experiments",
        json={
            "dataset_id": dataset["id"],
            "model_family": "logistic_regression",
            "hypothesis": "linear is enough",
        },
        headers=headers,
    )
    assert experiment.status_code == 202, experiment.text
    assert experiment.json()["created_by"].startswith(f"{ADA} (rdy_")
    worker = run_worker_in_thread(settings)
    try:
        assert _wait(client, headers, experiment.json()["id"])["status"] == "succeeded"
    finally:
        worker.stop()
    looked = client.post(
        f"{API}/experiments/{experiment.json()['id']}/test-look",
        json={"reason": "the final check"},
        headers=headers,
    )
    assert looked.status_code == 200, looked.text
    split_id = looked.json()["experiment"]["split_id"]
    ledger = client.get(f"{API}/splits/{split_id}/ledger", headers=headers).json()
    assert ledger["data"][0]["who"].startswith(f"{ADA} (rdy_")
    raised = client.post(
        f"{API}/splits/{split_id}/budget",
        json={"new_limit": 2, "reason": "a fresh hold-out"},
        headers=headers,
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["budget_changes"][0]["who"].startswith(f"{ADA} (rdy_")
    started = client.post(
        f"{API}/projects/{pid}/assessments",
        json={"dataset_id": dataset["id"], "run_deep": False, "learning_curve": False},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    cancelled = client.post(f"{API}/assessments/{started.json()['id']}/cancel", headers=headers)
    assert cancelled.status_code == 202, cancelled.text

    history = client.get(f"{API}/projects/{pid}/history", headers=headers)
    assert history.status_code == 200, history.text
    entries = history.json()["data"]
    assert [e["kind"] for e in entries] == [
        "assessment_cancelled",
        "assessment_started",
        "budget_raised",
        "promotion",
        "experiment",
        "project_edited",
        "answer_edited",
    ] or [e["kind"] for e in entries] == [  # the two edits share one transaction's timestamp
        "assessment_cancelled",
        "assessment_started",
        "budget_raised",
        "promotion",
        "experiment",
        "answer_edited",
        "project_edited",
    ]
    assert all(e["who"].startswith(f"{ADA} (rdy_") for e in entries)
    summaries = {e["kind"]: e["summary"] for e in entries}
    assert summaries["project_edited"] == "name: churn → churn 2"
    assert summaries["answer_edited"] == "dataset.labels_available: (not set) → true"
    assert summaries["budget_raised"] == "Test budget raised 1 → 2: a fresh hold-out"
    assert "the final check" in summaries["promotion"]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    assert [
        e["kind"]
        for e in client.get(
            f"{API}/projects/{pid}/history", params={"limit": 2, "offset": 1}, headers=headers
        ).json()["data"]
    ] == ["assessment_started", "budget_raised"]

    exported = client.get(f"{API}/projects/{pid}/journal", params={"format": "csv"}, headers=headers)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and all(row["author"].startswith(f"{ADA} (rdy_") for row in rows if row["kind"] == "single")

    other = bearer(engine, "team-b", name="Grace Hopper")
    assert_error(client.get(f"{API}/projects/{pid}/history", headers=other), 404, "not_found")


def test_the_dashboard_names_the_person_and_shows_the_history(settings: Settings, engine: Engine) -> None:
    from service.auth import create_key

    key = create_key(engine, team_name="team-a", name="Grace Hopper")
    with running_api(settings) as client:
        client.follow_redirects = False
        sign_in(client, key)
        project = make_project(client, {"Authorization": f"Bearer {key}"})
        page = f"/projects/{project['id']}"
        shown = client.get(page)
        assert "Grace Hopper" in shown.text and f'href="{page}/history"' in shown.text
        saved = client.post(
            f"{page}/answers", data={"csrf_token": csrf_token(client, page), "dataset.labels_available": "no"}
        )
        assert saved.status_code == 303
        dataset = upload(client, {"Authorization": f"Bearer {key}"}, project["id"]).json()
        experiment = client.post(
            f"{API}/experiments",
            json={
                "dataset_id": dataset["id"],
                "model_family": "logistic_regression",
                "hypothesis": "trees lose",
            },
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert "by Grace Hopper (rdy_" in client.get(f"/journal/{experiment['id']}").text
        history = client.get(f"{page}/history")
        assert history.status_code == 200
        assert re.findall(r'<tr class="history-(\w+)">', history.text) == ["experiment", "answer_edited"]
        row = re.search(r'<tr class="history-experiment">(.*?)</tr>', history.text, re.S)
        assert (
            row
            and "Grace Hopper (rdy_" in row.group(1)
            and f'href="/journal/{experiment["id"]}"' in row.group(1)
        )
        row = re.search(r'<tr class="history-answer_edited">(.*?)</tr>', history.text, re.S)
        assert (
            row
            and "Grace Hopper (rdy_" in row.group(1)
            and "labels_available: (not set) → false" in row.group(1)
        )

        other = create_key(engine, team_name="team-b", name="Alan Turing")
        client.cookies.clear()  # signed out: another browser
        sign_in(client, other)
        assert client.get(f"{page}/history").status_code == 404


def test_a_key_made_before_people_were_named_still_works_and_its_label_is_the_person(engine: Engine) -> None:
    from alembic import command

    from service.database.migrate import alembic_config, upgrade_to_head
    from service.web.deps import who

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    secret = "rdy_" + uuid.uuid4().hex
    with engine.begin() as connection:
        team = uuid.uuid4()
        connection.execute(
            text("INSERT INTO team (id, name, created_at) VALUES (:id, 'old', now())"), {"id": team}
        )
        connection.execute(
            text(
                "INSERT INTO api_key (id, team_id, name, prefix, key_hash, is_admin, created_at) "
                "VALUES (:id, :team, 'first start', :prefix, :hash, true, now())"
            ),
            {"id": uuid.uuid4(), "team": team, "prefix": secret[:12], "hash": hash_key(secret)},
        )
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        key = authenticate(session, secret)
        assert (key.person, who(key)) == ("first start", f"first start ({secret[:12]}…)")


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return database_url


def _cli(*args: str) -> str:
    from service.cli.main import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_keys_create_names_a_person_and_keys_list_shows_them(cli_database: str, engine: Engine) -> None:
    assert "No keys yet" in _cli("keys", "list")
    key = _cli("keys", "create", "--team", "analytics", "--name", ADA).strip()
    _cli("keys", "create", "--team", "ops")  # no --name: the login name
    with session_scope(engine) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
        assert row is not None and (row.person, row.name) == (ADA, ADA)
    listing = _cli("keys", "list").splitlines()
    assert listing[0].split() == ["PERSON", "TEAM", "LABEL", "PREFIX", "CREATED", "REVOKED"]
    assert re.match(
        rf"{ADA}\s+analytics\s+{ADA}\s+{re.escape(key[:12])}…\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+-$", listing[1]
    )
    assert listing[2].startswith(getpass.getuser()) and "ops" in listing[2]
    assert len(_cli("keys", "list", "--team", "ops").splitlines()) == 2
    blank = CliRunner().invoke(
        __import__("service.cli.main", fromlist=["main"]).main,
        ["keys", "create", "--team", "a", "--name", "  "],
    )
    assert blank.exit_code != 0 and "name must be 1 to 100 characters" in blank.output


def test_the_cli_records_the_login_name(cli_database: str, engine: Engine, tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        f"data: {examples / 'breast_cancer.csv'}\ntarget: diagnosis\npositive: malignant\n"
        "family: logistic_regression\nproject: bc\ngrid:\n  C: [0.1]\n"
    )
    _cli("grid", str(spec))
    with session_scope(engine) as session:
        assert session.scalar(select(Grid.created_by)) == f"{getpass.getuser()} (cli)"
