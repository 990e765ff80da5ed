"""Nothing half-written, ever: each hostile input a probe found answered 500, accepted, or refused only after
it had written something, is now a 4xx `{detail, code}` that leaves every table and the file store as they
were. Each test counts the rows (projects, datasets, assessments, stage outputs, experiments, batches,
queued jobs) and the files under the artifact store and the uploads folder before and after."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from service.app import create_app
from service.cli.main import main
from service.settings import Settings
from tests.service.test_api_harness import API, BREAST_CANCER, assert_error, bearer, make_project, upload
from tests.service.test_batches import example_files, post_batch

TABLES = ("project", "dataset", "assessment", "stage_output", "experiment", "batch", "procrastinate_jobs")
LONE_HIGH, LONE_LOW = "\ud800", "\udfff"  # halves of a UTF-16 pair: Postgres's UTF-8 cannot store either
BIG = 10**30


def snapshot(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Rows per table and the files under the artifact store and the uploads folder."""
    with engine.connect() as connection:
        rows = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES
        }
    files = sorted(
        str(path)
        for root in (settings.artifacts_path, settings.uploads_path)
        if root.exists()
        for path in root.rglob("*")
        if path.is_file()
    )
    return {"rows": rows, "files": files}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app as a user meets it: a server error is an answer (500), not an exception in the test."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


@pytest.fixture
def dataset(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    project = make_project(client, headers)
    answer = upload(client, headers, project["id"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def raw_json(client: TestClient, method: str, url: str, body: str, headers: dict[str, str]) -> httpx.Response:
    """`body` sent as written: json.dumps escapes a lone surrogate as "\\ud800", as a hostile client would."""
    return client.request(
        method, url, content=body.encode(), headers={**headers, "Content-Type": "application/json"}
    )


# Text Postgres cannot store -------------------------------------------------------------------------------


@pytest.mark.parametrize("char", [LONE_HIGH, LONE_LOW, "\x00"])
def test_unstorable_text_in_a_new_project_description_is_a_422(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str], char: str
) -> None:
    before = snapshot(engine, settings)
    body = json.dumps({"name": "churn", "description": f"why{char}not"})
    refused = assert_error(raw_json(client, "POST", f"{API}/projects", body, headers), 422, "invalid_request")
    assert "'description'" in refused["detail"]
    assert ("surrogate" if char != "\x00" else "NUL") in refused["detail"]
    assert snapshot(engine, settings) == before


def test_a_lone_surrogate_in_a_patch_is_a_422_and_the_project_is_unchanged(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    project = make_project(client, headers, description="as it was")
    before = snapshot(engine, settings)
    body = json.dumps({"description": f"new{LONE_LOW}", "name": f"re{LONE_HIGH}named"})
    answer = raw_json(client, "PATCH", f"{API}/projects/{project['id']}", body, headers)
    refused = assert_error(answer, 422, "invalid_request")
    assert "surrogate" in refused["detail"]
    assert snapshot(engine, settings) == before
    shown = client.get(f"{API}/projects/{project['id']}", headers=headers).json()
    assert (shown["name"], shown["description"]) == ("churn", "as it was")


@pytest.mark.parametrize(
    "fields",
    [
        {"tags": ["baseline", LONE_HIGH]},
        {"hypothesis": f"C helps{LONE_LOW}"},
        {"keep_columns": [f"mean_radius{LONE_HIGH}"]},
    ],
)
def test_a_lone_surrogate_in_an_experiment_is_a_422(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    headers: dict[str, str],
    dataset: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    before = snapshot(engine, settings)
    body = json.dumps({"dataset_id": dataset["id"], "model_family": "logistic_regression", **fields})
    refused = assert_error(
        raw_json(client, "POST", f"{API}/experiments", body, headers), 422, "invalid_request"
    )
    assert "surrogate" in refused["detail"] and next(iter(fields)) in refused["detail"]
    assert snapshot(engine, settings) == before


def test_a_lone_surrogate_in_a_grid_name_is_a_422(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    before = snapshot(engine, settings)
    body = json.dumps({"dataset_id": dataset["id"], "model_family": "logistic_regression", "name": LONE_HIGH})
    assert_error(raw_json(client, "POST", f"{API}/grids", body, headers), 422, "invalid_request")
    assert snapshot(engine, settings) == before


def test_a_lone_surrogate_in_a_batch_file_refuses_the_batch(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    spec = 'items:\n  - kind: project\n    name: bc\n    description: "half a pair: \\udc00"\n'
    before = snapshot(engine, settings)
    answer = post_batch(client, headers, spec)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_batch" and "surrogate" in answer.json()["detail"]
    assert snapshot(engine, settings) == before


# Bounded bodies and text fields ---------------------------------------------------------------------------


def test_a_50_mb_json_description_is_refused_before_it_is_read(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    before = snapshot(engine, settings)
    body = json.dumps({"name": "huge", "description": "x" * 50_000_000})
    refused = assert_error(
        raw_json(client, "POST", f"{API}/projects", body, headers), 413, "request_too_large"
    )
    assert "READINESS_MAX_JSON_MB" in refused["detail"]
    assert snapshot(engine, settings) == before


def test_a_json_body_with_no_declared_length_is_refused_as_it_arrives(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:  # chunked transfer: no Content-Length to check up front
        yield b'{"name": "huge", "description": "'
        for _ in range(3):
            yield b"x" * 1024 * 1024
        yield b'"}'

    before = snapshot(engine, settings)
    answer = client.post(
        f"{API}/projects", content=chunks(), headers={**headers, "Content-Type": "application/json"}
    )
    assert_error(answer, 413, "request_too_large")
    assert snapshot(engine, settings) == before


def test_a_description_over_10000_characters_is_a_422(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    before = snapshot(engine, settings)
    answer = client.post(
        f"{API}/projects", json={"name": "long", "description": "x" * 10_001}, headers=headers
    )
    refused = assert_error(answer, 422, "invalid_request")
    assert "'description'" in refused["detail"] and "10000" in refused["detail"]
    assert snapshot(engine, settings) == before


# Options checked before the first write -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "code", "named"),
    [
        ({"max_epochs": BIG}, "invalid_request", "max_epochs"),
        ({"keep_columns": [f"c{i}" for i in range(100_000)]}, "invalid_request", "keep_columns"),
        ({"keep_columns": [f"nope{i}" for i in range(5_000)]}, "invalid_option", "and 4,990 more"),
    ],
)
def test_an_assessment_refused_for_its_options_leaves_no_row_job_stage_or_file(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    headers: dict[str, str],
    dataset: dict[str, Any],
    options: dict[str, Any],
    code: str,
    named: str,
) -> None:
    before = snapshot(engine, settings)
    answer = client.post(
        f"{API}/projects/{dataset['project_id']}/assessments",
        json={"dataset_id": dataset["id"], **options},
        headers=headers,
    )
    refused = assert_error(answer, 422, code)
    assert named in refused["detail"] and len(refused["detail"]) < 2000
    assert snapshot(engine, settings) == before


def test_a_batch_refused_for_an_assessment_option_leaves_nothing(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    spec = f"""
items:
  - kind: project
    name: bc
  - kind: dataset
    project: bc
    file: breast_cancer.csv
    target: diagnosis
    positive: malignant
  - kind: assessment
    dataset: breast_cancer
    max_epochs: {BIG}
"""
    before = snapshot(engine, settings)
    answer = post_batch(client, headers, spec, example_files("breast_cancer.csv"))
    assert answer.status_code == 422, answer.text
    assert [p["item"] for p in answer.json()["problems"]] == [
        "item 3 (assessment 'assessment of breast_cancer')"
    ]
    assert "max_epochs" in answer.json()["detail"]
    # The dataset file was stored to be read and checked; a refused batch takes it away again.
    assert snapshot(engine, settings) == before


def test_an_experiment_on_too_small_a_fraction_is_refused_before_it_is_queued(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    before = snapshot(engine, settings)
    answer = client.post(
        f"{API}/experiments",
        json={"dataset_id": dataset["id"], "model_family": "logistic_regression", "train_fraction": 1e-9},
        headers=headers,
    )
    refused = assert_error(answer, 422, "invalid_option")
    assert "train_fraction" in refused["detail"] and "at least" in refused["detail"]
    assert snapshot(engine, settings) == before
    # A fraction that keeps enough rows of every class is taken.
    answer = client.post(
        f"{API}/experiments",
        json={"dataset_id": dataset["id"], "model_family": "logistic_regression", "train_fraction": 0.1},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text


# Files a user exports from Excel --------------------------------------------------------------------------


def test_a_utf16_csv_with_a_byte_order_mark_is_read(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    utf16 = BREAST_CANCER.read_text().encode("utf-16")
    answer = upload(client, headers, dataset["project_id"], content=utf16)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["rows"], answer.json()["columns"]) == (dataset["rows"], dataset["columns"])


def test_a_utf16_csv_without_a_mark_is_refused_as_utf16_not_binary(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    project = make_project(client, headers)
    before = snapshot(engine, settings)
    answer = upload(client, headers, project["id"], content=BREAST_CANCER.read_text().encode("utf-16-le"))
    refused = assert_error(answer, 422, "unreadable_file")
    assert "UTF-16" in refused["detail"] and "binary" not in refused["detail"]
    assert snapshot(engine, settings) == before


def test_a_csv_that_names_a_column_twice_is_refused_naming_it(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str]
) -> None:
    project = make_project(client, headers)
    frame = pd.read_csv(BREAST_CANCER)
    repeated = frame.rename(columns={frame.columns[2]: frame.columns[1]})
    before = snapshot(engine, settings)
    answer = upload(client, headers, project["id"], content=repeated.to_csv(index=False).encode())
    refused = assert_error(answer, 422, "duplicate_columns")
    assert repr(frame.columns[1]) in refused["detail"] and "columns 2, 3" in refused["detail"]
    assert snapshot(engine, settings) == before


# The command line -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, settings: Settings) -> Settings:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(settings.home))
    return settings


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--max-epochs", str(BIG)], "max_epochs"),
        (["--keep-column", "no_such_column"], "no_such_column"),
        (["--project", f"bad{chr(0xDCFF)}name"], "surrogate"),  # a byte of the command line not in UTF-8
    ],
)
def test_readiness_assess_refused_for_an_option_writes_nothing(
    cli_env: Settings, engine: Engine, extra: list[str], said: str
) -> None:
    before = snapshot(engine, cli_env)
    args = ["assess", str(BREAST_CANCER), "--target", "diagnosis", "--no-deep", *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert snapshot(engine, cli_env) == before


# The orphan sweeper ---------------------------------------------------------------------------------------


def test_the_sweeper_deletes_only_old_files_no_row_references(
    client: TestClient, engine: Engine, settings: Settings, headers: dict[str, str], dataset: dict[str, Any]
) -> None:
    from service.orphans import sweep_orphans

    two_days_ago = time.time() - 2 * 86400
    stored_as = dataset["sha256"] + ".csv"  # the store names an upload by its content
    referenced = settings.artifacts_path / stored_as[:2] / stored_as
    assert referenced.is_file()

    def planted(path: Path, *, old: bool) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
        if old:
            os.utime(path, (two_days_ago, two_days_ago))
        return path

    os.utime(referenced, (two_days_ago, two_days_ago))
    orphan = planted(settings.artifacts_path / "ab" / ("ab" + "0" * 62 + ".pkl"), old=True)
    half_written = planted(settings.artifacts_path / "tmp" / "tmpq1w2e3", old=True)
    old_upload = planted(settings.uploads_path / "spooled-upload.csv", old=True)
    young = planted(settings.artifacts_path / "cd" / ("cd" + "1" * 62 + ".pkl"), old=False)

    sweep = sweep_orphans(engine, settings)

    assert sorted(sweep.deleted) == sorted([orphan, half_written, old_upload])
    assert not orphan.exists() and not half_written.exists() and not old_upload.exists()
    assert referenced.is_file() and young.is_file()
    # The dataset still reads: its file was named by its row, however old.
    answer = client.get(f"{API}/datasets/{dataset['id']}", headers=headers)
    assert answer.status_code == 200


def test_the_sweep_at_start_runs_off_the_start_path(engine: Engine, settings: Settings) -> None:
    from service.orphans import sweep_in_background

    orphan = settings.uploads_path / "left-by-a-crash.part"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    os.utime(orphan, (time.time() - 3 * 86400,) * 2)
    sweep_in_background(settings).join(timeout=60)
    assert not orphan.exists()
