"""Issue 17, item 6: data errors are data errors, and the command line's numbers are bounded.

A dataset whose rows fall into two groups of identical features cannot be split with rows in every part:
it is refused up front (422 `split_too_small`, CLI exit 2) with nothing written, not failed as an internal
error after retries. NaN, infinite or huge option values are click's messages (exit 2), not tracebacks; the
command line's test budget has the API's cap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.app import create_app
from service.cli.main import main
from service.ledger.cap import MAX_TEST_BUDGET
from service.settings import Settings
from tests.service.test_api_harness import API, BREAST_CANCER, assert_error, bearer, make_project, upload
from tests.service.test_nothing_half_written import snapshot

TWO_GROUPS = ("x,label\n" + "1,yes\n" * 30 + "2,no\n" * 30).encode()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, settings: Settings) -> Settings:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(settings.home))
    return settings


def test_an_upload_that_cannot_be_split_is_a_422_and_leaves_nothing(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    before = snapshot(engine, settings)
    answer = upload(
        client,
        headers,
        project["id"],
        content=TWO_GROUPS,
        filename="twins.csv",
        target="label",
        positive="yes",
    )
    body = assert_error(answer, 422, "split_too_small")
    assert "empty" in body["detail"]
    assert snapshot(engine, settings) == before


def test_readiness_assess_on_data_that_cannot_be_split_exits_2_and_writes_nothing(
    cli_env: Settings, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "twins.csv"
    path.write_bytes(TWO_GROUPS)
    before = snapshot(engine, cli_env)
    result = CliRunner().invoke(main, ["assess", str(path), "--target", "label", "--no-deep", "-q"])
    assert result.exit_code == 2, result.output
    assert "cannot be split" in result.output and "Traceback" not in result.output
    assert snapshot(engine, cli_env) == before


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--max-file-mb", "nan"], "--max-file-mb"),
        (["--max-file-mb", "inf"], "--max-file-mb"),
        (["--max-file-mb", "1e308"], "--max-file-mb"),
        (["--test-budget", "99999999999999999999"], "--test-budget"),
        (["--test-budget", str(MAX_TEST_BUDGET + 1)], "--test-budget"),
    ],
)
def test_nan_infinite_or_huge_options_are_click_messages(
    cli_env: Settings, engine: Engine, extra: list[str], said: str
) -> None:
    before = snapshot(engine, cli_env)
    result = CliRunner().invoke(main, ["assess", str(BREAST_CANCER), "--target", "diagnosis", *extra])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert snapshot(engine, cli_env) == before


def test_the_command_line_and_the_api_cap_the_test_budget_alike(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    over = client.post(
        f"{API}/projects", json={"name": "p", "test_budget": MAX_TEST_BUDGET + 1}, headers=headers
    )
    assert_error(over, 422, "invalid_request")
    at = client.post(f"{API}/projects", json={"name": "p", "test_budget": MAX_TEST_BUDGET}, headers=headers)
    assert at.status_code == 201, at.text
