"""Splits that respect time and groups at every door: `readiness assess` (and its reports), the API; the
test budget belongs to the rows whatever the split (issue 12, item 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from service.cli.main import main
from service.database.engine import session_scope
from service.models import Assessment, Split
from service.settings import Settings
from tests.dashboard.browsing import new_key, sign_in
from tests.factories import write_csv
from tests.service.test_api_harness import (
    API,
    assert_error,
    bearer,
    count_rows,
    make_project,
    running_api,
    upload,
)
from tests.service.test_batches import post_batch, refused
from tests.workers.test_time_group_split import dated_frame


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))


@pytest.fixture
def dated_csv(tmp_path: Path) -> Path:
    return write_csv(dated_frame(400), tmp_path, "signups.csv")


def _assess(path: Path, *extra: str) -> Any:
    args = [
        "assess",
        str(path),
        "--target",
        "churned",
        "--positive",
        "yes",
        "--no-deep",
        "--no-learning-curve",
    ]
    return CliRunner().invoke(main, [*args, "--resamples", "100", "--test-budget", "2", *extra])


def test_a_time_split_by_default_shares_the_budget_of_the_rows_with_a_random_split(
    tmp_path: Path, dated_csv: Path, engine: Engine, settings: Settings
) -> None:
    random_json = tmp_path / "random.json"
    first = _assess(dated_csv, "--split", "random", "--quiet", "--json-out", str(random_json))
    assert first.exit_code == 0, first.output
    random_split = json.loads(random_json.read_text())["split"]
    assert random_split["method"] == "stratified_random" and random_split["time_column"] == "signup_date"
    checks = {f["check"]: f for f in json.loads(random_json.read_text())["checks"]}
    assert "A random split mixes the periods" in checks["label_drift"]["message"]

    timed_json, timed_html = tmp_path / "time.json", tmp_path / "time.html"
    second = _assess(dated_csv, "--json-out", str(timed_json), "--html-out", str(timed_html))
    assert second.exit_code == 0, second.output
    report = json.loads(timed_json.read_text())
    split = report["split"]
    assert split["method"] == "time_ordered" and split["time_column"] == "signup_date"
    assert split["date_ranges"]["train"]["last"] < split["date_ranges"]["validation"]["first"]
    assert split["date_ranges"]["validation"]["last"] < split["date_ranges"]["test"]["first"]
    assert "signup_date" not in report["dataset"]["used_columns"]
    budget = report["test_budget"]
    assert (budget["limit"], budget["used"]) == (2, 2)  # the random split's look counts: the same rows
    assert "(20170511, 20170511 time_ordered:signup_date)" in budget["shared_with"]
    said = " ".join(second.output.split())
    assert "Split: In time order (oldest rows train, newest test), by signup_date; train 2023-01-01" in said
    html = timed_html.read_text()
    assert 'data-method="time_ordered"' in html and "Positive rate over time" in html

    refused = _assess(dated_csv, "--group-column", "customer", "--quiet")
    assert refused.exit_code == 2 and "looked at 2 of 2 times" in refused.output
    with session_scope(engine) as session:
        splits = session.scalars(select(Split)).all()
        newest = session.scalars(select(Assessment).order_by(Assessment.created_at.desc())).first()  # type: ignore[attr-defined]
    assert sorted(s.split_key for s in splits) == ["", "time_ordered:signup_date"]  # one seed, one budget
    assert newest is not None
    with running_api(settings) as client:
        listed = client.get(f"{API}/datasets/{splits[0].dataset_id}/splits", headers=bearer(engine, "local"))
        assert sorted(s["split_key"] for s in listed.json()["data"]) == ["", "time_ordered:signup_date"]
        client.follow_redirects = False
        sign_in(client, new_key(engine, "local"))  # the CLI records under the team "local"
        page = " ".join(client.get(f"/assessments/{newest.id}").text.split())
    assert (
        'data-method="time_ordered">Split: In time order (oldest rows train, newest test), by signup_date'
        in page
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--group-column", "custmer"], "Did you mean 'customer'"),
        (["--time-column", "signup"], "Did you mean 'signup_date'"),
        (["--group-column", "plan"], "needs at least 5 entities"),
        (["--time-column", "signup_date", "--group-column", "customer"], "not both"),
        (["--split", "group"], "--group-column NAME"),
    ],
)
def test_split_options_that_cannot_be_followed_exit_2_and_keep_no_assessment(
    tmp_path: Path, engine: Engine, extra: list[str], words: str
) -> None:
    frame = dated_frame(200)
    frame["plan"] = ["basic", "pro"] * 100
    json_out = tmp_path / "never.json"
    result = _assess(write_csv(frame, tmp_path), *extra, "--quiet", "--json-out", str(json_out))
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not json_out.exists() and count_rows(engine, Assessment) == 0


def test_the_api_takes_the_split_options_and_refuses_what_it_cannot_follow(
    settings: Settings, engine: Engine
) -> None:
    headers = bearer(engine, "team-a")
    frame = dated_frame(300)
    frame["plan"] = ["basic", "pro", "max"] * 100
    content = frame.to_csv(index=False).encode()
    with running_api(settings) as client:
        project = make_project(client, headers)
        dataset = upload(
            client,
            headers,
            project["id"],
            content=content,
            filename="s.csv",
            target="churned",
            positive="yes",
        ).json()

        def start(**options: Any) -> Any:
            return client.post(
                f"{API}/projects/{project['id']}/assessments",
                json={"dataset_id": dataset["id"], "run_deep": False, **options},
                headers=headers,
            )

        unknown = assert_error(start(group_column="custmer"), 422, "invalid_option")
        assert unknown["field"] == "group_column" and "Did you mean 'customer'" in unknown["detail"]
        few = assert_error(start(group_column="plan"), 422, "too_few_groups")
        assert few["field"] == "group_column" and "3 distinct values" in few["detail"]
        both = assert_error(start(time_column="signup_date", group_column="customer"), 422, "invalid_option")
        assert "not both" in both["detail"]
        assert count_rows(engine, Assessment) == 0
        taken = start(split="time", time_column="signup_date")
        assert taken.status_code == 202, taken.text
        config = taken.json()["config"]
        assert (config["split"], config["time_column"], config["group_column"]) == (
            "time",
            "signup_date",
            None,
        )
        grouped = start(group_column="customer")
        assert grouped.status_code == 202, grouped.text
        assert grouped.json()["config"]["group_column"] == "customer"
        grid = {"dataset_id": dataset["id"], "model_family": "logistic_regression", "grid": {"C": [1.0]}}
        bad_grid = client.post(f"{API}/grids", json={**grid, "time_column": "signup"}, headers=headers)
        assert "Did you mean 'signup_date'" in assert_error(bad_grid, 422, "invalid_option")["detail"]


SPLIT_BATCH = """
items:
  - kind: project
    name: signups
  - kind: dataset
    project: signups
    file: signups.csv
    target: churned
    positive: "yes"
  - kind: assessment        # 3: a group split
    dataset: signups
    run_deep: false
    group_column: customer
  - kind: assessment        # 4: an entity column that is not there
    dataset: signups
    run_deep: false
    group_column: custmer
  - kind: grid              # 5: a time column that is not there
    dataset: signups
    model_family: logistic_regression
    grid: {C: [1.0]}
    time_column: signup
"""


def test_a_batch_file_takes_the_split_options_and_lists_the_columns_it_cannot_find(
    settings: Settings, engine: Engine
) -> None:
    files = {"signups.csv": dated_frame(300).to_csv(index=False).encode()}
    with running_api(settings) as client:
        problems = refused(post_batch(client, bearer(engine, "team-a"), SPLIT_BATCH, files))
    assert [(p["position"], p["code"]) for p in problems] == [(4, "invalid_option"), (5, "invalid_option")]
    assert "Did you mean 'customer'" in problems[0]["detail"]
    assert "Did you mean 'signup_date'" in problems[1]["detail"]
    assert count_rows(engine, Assessment) == 0


def test_the_learning_curve_points_train_on_the_assessments_own_group_split(
    tmp_path: Path, engine: Engine
) -> None:
    from service.models import Experiment

    path = write_csv(dated_frame(1000), tmp_path, "visits.csv")
    json_out = tmp_path / "grouped.json"
    args = ["assess", str(path), "--target", "churned", "--positive", "yes", "--no-deep", "--quiet"]
    result = CliRunner().invoke(
        main, [*args, "--resamples", "100", "--group-column", "customer", "--json-out", str(json_out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(json_out.read_text())
    assert report["split"]["method"] == "group" and report["learning_curves"] is not None
    with session_scope(engine) as session:
        keys = {
            session.get(Split, e.split_id).split_key  # type: ignore[union-attr]
            for e in session.scalars(select(Experiment))
        }
    assert keys == {"group:customer"}  # not the random split a point would make by default


def test_readiness_grid_takes_the_split_options_on_its_command_line(tmp_path: Path, engine: Engine) -> None:
    from service.models import Experiment

    data = write_csv(dated_frame(400), tmp_path, "signups.csv")
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(
        f"data: {data}\ntarget: churned\npositive: 'yes'\nfamily: logistic_regression\ngrid:\n  C: [1.0]\n"
    )
    typo = CliRunner().invoke(main, ["grid", str(grid_file), "--time-column", "signup"])
    assert typo.exit_code == 2 and "Did you mean 'signup_date'" in " ".join(typo.output.split())
    result = CliRunner().invoke(main, ["grid", str(grid_file), "--group-column", "customer"])
    assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        experiments = session.scalars(select(Experiment)).all()
        keys = [session.get(Split, e.split_id).split_key for e in experiments]  # type: ignore[union-attr]
        procedures = [e.procedure for e in experiments]
    assert keys == ["group:customer"]
    assert procedures[0]["split"] == {"method": "auto", "time_column": None, "group_column": "customer"}
