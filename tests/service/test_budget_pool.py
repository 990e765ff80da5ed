"""A budget that binds (issue 10, item 6), on the real embedded Postgres: no look left is a 409
test_budget_exhausted before anything trains — counting the looks reserved by assessments already queued or
running — at the API, the dashboard's form, `readiness assess` and a batch, with nothing written; two
submissions racing for the last look, exactly one accepted; the budget belongs to the dataset's rows, so a
new seed, or a file whose rows largely repeat an earlier one's, draws on the same budget, and the reports
say so."""

from __future__ import annotations

import io
import threading
import uuid
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import Engine, text

from service.assessments.submit import submit_assessment
from service.cli.main import main
from service.cli.terminal_report import render_report
from service.database.engine import session_scope
from service.models import Assessment, Dataset, Project
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, sign_in
from tests.factories import churn_frame
from tests.service.test_api_harness import API, BREAST_CANCER, assert_error, count_rows, make_project, upload
from workers.errors import TestBudgetExhausted
from workers.report.html import render_html
from workers.report.model import Report

TEAM = "team-a"


@pytest.fixture
def key(engine: Engine) -> str:
    from service.auth import create_key

    return create_key(engine, team_name=TEAM, name="auditor")


@pytest.fixture
def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _jobs(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one())


def _start(client: TestClient, headers: dict[str, str], dataset: dict[str, Any], seed: int = 11) -> Any:
    return client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], "seed": seed, "run_deep": False},
        headers=headers,
    )


def test_looks_reserved_by_queued_assessments_refuse_the_next_at_every_door_with_nothing_written(
    client: TestClient, headers: dict[str, str], key: str, engine: Engine
) -> None:
    project = make_project(client, headers, test_budget=2)
    dataset = upload(client, headers, project["id"]).json()
    # Two queued (no worker runs them): each holds one look of the two in reserve, whatever its seed.
    assert _start(client, headers, dataset, seed=11).status_code == 202
    assert _start(client, headers, dataset, seed=12).status_code == 202
    before = (count_rows(engine, Assessment), _jobs(engine))

    refused = assert_error(_start(client, headers, dataset, seed=13), 409, "test_budget_exhausted")
    assert "looked at 0 of 2 times" in refused["detail"]
    assert "2 more looks are reserved by assessments queued or running" in refused["detail"]
    assert "wait for them to finish, or cancel one" in refused["detail"]
    assert (count_rows(engine, Assessment), _jobs(engine)) == before  # nothing queued, nothing to train

    # The dashboard: the start form says no look is left, and starting answers 409 with the same words.
    client.follow_redirects = False
    sign_in(client, key)
    form_page = client.get(f"/projects/{project['id']}/assessments/new?dataset={dataset['id']}")
    assert "<strong>0 of 2</strong> looks left (0 used, 2 reserved by assessments queued or running)" in (
        form_page.text
    )
    assert "an assessment would be refused" in form_page.text
    started = client.post(
        f"/projects/{project['id']}/assessments/new",
        data={"csrf_token": csrf_token(client), "dataset_id": dataset["id"], "seed": "13"},
    )
    assert started.status_code == 409 and escape(refused["detail"]) in started.text
    assert (count_rows(engine, Assessment), _jobs(engine)) == before

    # Cancelling one gives its reserved look back: the form shows it, and a submission is accepted again.
    [queued, _] = client.get(f"{API}/projects/{project['id']}/assessments", headers=headers).json()["data"]
    assert client.post(f"{API}/assessments/{queued['id']}/cancel", headers=headers).status_code in (200, 202)
    form_page = client.get(f"/projects/{project['id']}/assessments/new?dataset={dataset['id']}")
    assert "<strong>1 of 2</strong> looks left" in form_page.text
    assert _start(client, headers, dataset, seed=15).status_code == 202


def test_two_submissions_racing_for_the_last_look_exactly_one_is_accepted(
    client: TestClient, headers: dict[str, str], engine: Engine, job_app: Any, settings: Settings
) -> None:
    project = make_project(client, headers, test_budget=1)
    dataset = upload(client, headers, project["id"]).json()
    with session_scope(engine) as session:
        project_row = session.get(Project, uuid.UUID(project["id"]))
        dataset_row = session.get(Dataset, uuid.UUID(dataset["id"]))
        assert project_row is not None and dataset_row is not None
        session.expunge_all()
    for attempt in range(3):  # the race is real each time: a barrier releases both at once
        barrier = threading.Barrier(2)
        accepted: list[Assessment] = []
        refused: list[str] = []

        def submit(
            seed: int,
            barrier: threading.Barrier = barrier,
            accepted: list[Any] = accepted,
            refused: list[str] = refused,
        ) -> None:
            barrier.wait()
            try:
                accepted.append(
                    submit_assessment(
                        engine,
                        job_app,
                        project=project_row,
                        dataset=dataset_row,
                        options={"seed": seed, "run_deep": False},
                        who="racer",
                        settings=settings,
                    )
                )
            except TestBudgetExhausted as error:
                refused.append(error.detail)

        threads = [threading.Thread(target=submit, args=(100 * attempt + i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(accepted) == 1 and len(refused) == 1
        assert "1 more look is reserved by assessments queued or running" in refused[0]
        assert count_rows(engine, Assessment) == 1 and _jobs(engine) == 1
        # The winner's reservation goes with it: cancelled, the look is free for the next round.
        with session_scope(engine) as session:
            row = session.get(Assessment, accepted[0].id)
            assert row is not None
            session.delete(row)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM procrastinate_jobs"))


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_a_file_whose_rows_largely_repeat_an_earlier_one_draws_on_its_budget_and_the_reports_say_so(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    project = make_project(client, headers, test_budget=1)
    first = upload(client, headers, project["id"]).json()
    original = pd.read_csv(BREAST_CANCER)
    # 85% of the rows again (shuffled, columns reordered) and a few new ones: not a fresh budget.
    repeated = original.sample(frac=0.85, random_state=1)
    fresh = original.sample(n=60, random_state=2).assign(
        **{original.columns[1]: lambda f: f.iloc[:, 1] * 1.01}
    )
    again = pd.concat([repeated, fresh])[list(reversed(original.columns))]
    second = upload(client, headers, project["id"], content=_csv(again), filename="more_patients.csv").json()
    other = upload(
        client,
        headers,
        project["id"],
        content=_csv(churn_frame(300, seed=3)),
        filename="churn.csv",
        target="churned",
        positive="yes",
    ).json()

    assert _start(client, headers, first).status_code == 202  # the one look, reserved
    refused = assert_error(_start(client, headers, second), 409, "test_budget_exhausted")
    assert (
        "shared by datasets 'breast_cancer.csv' and 'more_patients.csv', whose rows overlap"
        in refused["detail"]
    )
    share = float(refused["detail"].split("whose rows overlap ")[1].split("%")[0]) / 100
    assert abs(share - len(repeated) / len(again)) < 0.05  # 597 of 688 rows are the first file's: 87%
    # A file of other rows has a budget of its own.
    assert _start(client, headers, other).status_code == 202


def test_the_report_the_terminal_and_the_dashboard_show_who_shares_the_budget() -> None:
    shared = "This budget is shared by the 2 splits of this dataset (seeds 11, 12): a new seed is not a fresh budget."
    report = Report.model_validate(
        {
            "test_budget": {"limit": 3, "used": 2, "shared_with": shared},
            "split": {"seed": 12, "sizes": {"test": 114}},
        }
    )
    assert report.test_budget is not None and report.test_budget.shared_with == shared
    assert escape(shared) in render_html(report)
    console = Console(record=True, width=200)
    render_report(console, report)
    assert shared in console.export_text()
    # A report stored before budgets were shared still loads, and says nothing of sharing.
    older = Report.model_validate({"test_budget": {"limit": 3, "used": 1}})
    assert older.test_budget is not None and older.test_budget.shared_with is None
    assert "shared by" not in render_html(older)


def test_readiness_assess_with_a_new_seed_on_a_spent_file_is_refused_before_training(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, engine: Engine
) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    data = tmp_path / "churn.csv"
    churn_frame(300, seed=5).to_csv(data, index=False)
    args = [
        "assess",
        str(data),
        "--target",
        "churned",
        "--positive",
        "yes",
        "--no-deep",
        "--no-learning-curve",
    ]
    args += ["--resamples", "100", "--test-budget", "1", "--quiet"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    before = (count_rows(engine, Assessment), _jobs(engine))
    refused = CliRunner().invoke(main, [*args, "--seed", "2"])
    assert refused.exit_code == 2, refused.output
    assert "looked at 1 of 1 times" in refused.output and "Seed 2 would make a new split" in refused.output
    assert (count_rows(engine, Assessment), _jobs(engine)) == before


def test_a_batch_asking_more_looks_than_its_dataset_has_left_over_all_seeds_is_refused_with_nothing_written(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    project = make_project(client, headers, test_budget=2)
    dataset = upload(client, headers, project["id"]).json()
    assert _start(client, headers, dataset, seed=11).status_code == 202  # one of the two looks, reserved
    before = (count_rows(engine, Assessment), _jobs(engine))
    items = "".join(
        f"""
  - kind: assessment
    dataset: {dataset["id"]}
    seed: {seed}
    run_deep: false"""
        for seed in (12, 13)
    )
    answer = client.post(
        f"{API}/batches",
        files=[("spec", ("batch.yaml", f"items:{items}\n".encode(), "application/yaml"))],
        headers=headers,
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["problems"]
    assert (problem["position"], problem["code"]) == (2, "test_budget_exhausted")
    assert (
        "asks for 2 assessments" in problem["detail"]
        and "every seed of a dataset draws on one budget" in (problem["detail"])
    )
    assert "1 of 2 looks left (0 used, 1 reserved by assessments in flight)" in problem["detail"]
    assert (count_rows(engine, Assessment), _jobs(engine)) == before


def test_migration_0004_gives_each_dataset_one_budget_the_largest_of_its_splits_with_their_looks_together(
    engine: Engine,
) -> None:
    from alembic import command

    from service.database.migrate import alembic_config, upgrade_to_head
    from service.ledger.budget import budget_of
    from service.models import Split

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    ids = {name: uuid.uuid4() for name in ("team", "project", "dataset", "seed1", "seed2", "unsplit")}
    with engine.begin() as connection:
        run = connection.execute
        run(text("INSERT INTO team (id, name, created_at) VALUES (:team, 't', now())"), ids)
        run(
            text(
                "INSERT INTO project (id, team_id, name, test_budget, created_at) VALUES (:project, :team, 'p', 3, now())"
            ),
            ids,
        )
        for dataset in ("dataset", "unsplit"):
            run(
                text(
                    "INSERT INTO dataset (id, project_id, filename, sha256, stored_as, size_bytes, target, rows, "
                    "columns, created_at) VALUES (:id, :project, 'a.csv', :sha, 'x.csv', 1, 'y', 10, 2, now())"
                ),
                {"id": ids[dataset], "project": ids["project"], "sha": dataset.ljust(64, "0")},
            )
        for split, (seed, budget, looks) in {"seed1": (1, 3, 3), "seed2": (2, 5, 1)}.items():
            run(
                text(
                    "INSERT INTO split (id, dataset_id, seed, split_hash, test_budget, created_at) "
                    "VALUES (:id, :dataset, :seed, 'h', :budget, now())"
                ),
                {"id": ids[split], "dataset": ids["dataset"], "seed": seed, "budget": budget},
            )
            for i in range(looks):
                run(
                    text(
                        "INSERT INTO test_look (id, split_id, key, who, reason, created_at) "
                        "VALUES (:id, :split, :key, 'w', 'r', now())"
                    ),
                    {"id": uuid.uuid4(), "split": ids[split], "key": f"{split}-{i}"},
                )
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        first, second = (session.get(Split, ids[name]) for name in ("seed1", "seed2"))
        assert first is not None and second is not None
        # The largest budget (5, as seed 2 had been raised to), with the 3 + 1 looks of both seeds counted.
        assert budget_of(session, first) == budget_of(session, second)
        assert (budget_of(session, first).limit, budget_of(session, first).used) == (5, 4)
        unsplit = session.get(Dataset, ids["unsplit"])
        assert unsplit is not None and unsplit.budget_pool_id is not None  # the project's budget, 3
        assert unsplit.budget_pool_id != session.get(Dataset, ids["dataset"]).budget_pool_id  # type: ignore[union-attr]
