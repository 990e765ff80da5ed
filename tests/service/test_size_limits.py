"""Issue 17: a table past READINESS_MAX_COLUMNS, _MAX_ROWS or _MAX_DECOMPRESSED_MB is refused from its
metadata (the CSV's header and a streamed line count, the Parquet footer) at every door: the API's upload
(413, nothing written), the dashboard's form, a batch, and `readiness assess` (exit 2), each saying the
limit and how to raise it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.app import create_app
from service.cli.main import main
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.dashboard.test_forms import _create_project
from tests.service.test_api_harness import assert_error, bearer, make_project, running_api, upload
from tests.service.test_batches import assert_nothing_written, post_batch, refused
from tests.service.test_nothing_half_written import snapshot


def wide_csv(columns: int, rows: int = 40) -> bytes:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=rows).round(3) for i in range(columns)})
    frame["target"] = np.tile(["yes", "no"], rows // 2)
    return frame.to_csv(index=False).encode()


def tiny_parquet_of_many_rows(rows: int = 2_000_000) -> bytes:
    """A constant column and a two-valued target: zstd and run-length encoding make it a few KB."""
    table = pa.table({"x": np.zeros(rows), "target": np.tile(np.array(["yes", "no"]), rows // 2)})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


# (file name, content, the variable set small, its value, the code, words of the message)
CASES = {
    "wide": ("wide.csv", lambda: wide_csv(60), "READINESS_MAX_COLUMNS", "50", "too_many_columns"),
    "long": ("long.csv", lambda: wide_csv(3, rows=400), "READINESS_MAX_ROWS", "300", "too_many_rows"),
    "expands": (
        "expands.parquet",
        tiny_parquet_of_many_rows,
        "READINESS_MAX_DECOMPRESSED_MB",
        "8",
        "too_large_decompressed",
    ),
}


FIELDS = {
    "READINESS_MAX_COLUMNS": "max_columns",
    "READINESS_MAX_ROWS": "max_rows",
    "READINESS_MAX_DECOMPRESSED_MB": "max_decompressed_mb",
}


def limit(client: TestClient, settings: Settings, variable: str, value: str) -> None:
    """Run the app from here on as if started with `variable=value` (its settings are read per request)."""
    field = FIELDS[variable]
    client.app.state.settings = settings.model_copy(update={field: type(getattr(settings, field))(value)})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_the_parquet_file_is_small_but_expands() -> None:
    content = tiny_parquet_of_many_rows()
    assert len(content) < 100_000  # the upload limit never sees it
    assert 2_000_000 * 2 * 8 > 8 * 1024 * 1024


@pytest.mark.parametrize("case", CASES)
def test_the_api_refuses_a_table_past_a_limit_with_413_and_writes_nothing(
    case: str, client: TestClient, engine: Engine, settings: Settings
) -> None:
    filename, make, variable, value, code = CASES[case]
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    before = snapshot(engine, settings)
    limit(client, settings, variable, value)
    answer = upload(
        client, headers, project["id"], content=make(), filename=filename, target="target", positive="yes"
    )
    body = assert_error(answer, 413, code)
    assert variable in body["detail"] and filename in body["detail"]
    assert snapshot(engine, settings) == before
    client.app.state.settings = settings
    accepted = upload(
        client, headers, project["id"], content=make(), filename=filename, target="target", positive="yes"
    )
    assert accepted.status_code != 413, accepted.text  # the default limits serve the same table


def test_a_batch_with_a_table_past_a_limit_is_refused_and_nothing_is_written(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    limit(client, settings, "READINESS_MAX_COLUMNS", "50")
    spec = """
name: wide
items:
  - kind: project
    name: w
    answers:
      dataset: {labels_available: true}
  - kind: dataset
    project: w
    file: wide.csv
    target: target
    positive: "yes"
"""
    problems = refused(post_batch(client, bearer(engine, "team-a"), spec, {"wide.csv": wide_csv(60)}))
    assert [p["code"] for p in problems] == ["too_many_columns"]
    assert "READINESS_MAX_COLUMNS" in problems[0]["detail"]
    assert_nothing_written(engine, settings)


@pytest.mark.parametrize("case", CASES)
def test_readiness_assess_refuses_a_table_past_a_limit_with_exit_2(
    case: str, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    filename, make, variable, value, _code = CASES[case]
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(variable, value)
    path = tmp_path / filename
    path.write_bytes(make())
    result = CliRunner().invoke(main, ["assess", str(path), "--target", "target", "--no-deep", "--quiet"])
    assert result.exit_code == 2, result.output
    assert variable in result.output and "Traceback" not in result.output
    uploads = tmp_path / "home" / "artifacts"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_the_dashboard_refuses_a_table_past_a_limit_on_its_form(settings: Settings, engine: Engine) -> None:
    with running_api(settings) as client:
        client.follow_redirects = False
        sign_in(client, new_key(engine, "team-a"))
        token = csrf_token(client)
        page = _create_project(client, token)
        before = snapshot(engine, settings)
        limit(client, settings, "READINESS_MAX_COLUMNS", "50")
        answer = client.post(
            f"{page}/datasets/new",
            data={"csrf_token": token, "target": "target", "positive": "yes"},
            files={"file": ("wide.csv", wide_csv(60), "text/csv")},
        )
    assert answer.status_code == 400, answer.text
    assert "READINESS_MAX_COLUMNS" in answer.text and "61 columns" in answer.text
    assert snapshot(engine, settings) == before
