"""Issue 17, item 4: YAML and JSON from users are read at a bounded cost, and errors are bounded too.

A batch file nested 10,000 deep, an answers file whose aliases expand to 10^9 values, a single error that
would quote a megabyte, a Parquet error that would show the server's storage path: each is refused with a
short, clear message (API 422 with its code, CLI exit 2) and leaves nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.app import create_app
from service.cli.main import main
from service.settings import Settings
from tests.service.test_api_harness import BREAST_CANCER, assert_error, bearer, make_project, upload
from tests.service.test_batches import assert_nothing_written, post_batch
from tests.service.test_nothing_half_written import snapshot
from workers.safe_yaml import MAX_MESSAGE_CHARS, DocumentTooComplex, load_json, load_yaml

DEEP = 10_000
BOUNDED = MAX_MESSAGE_CHARS + 500  # the message, with the words around the bounded part


def deep_yaml(levels: int = DEEP) -> str:
    return "items: " + "[" * levels + "]" * levels + "\n"


def deep_json(levels: int = DEEP) -> str:
    return '{"items": ' + "[" * levels + "]" * levels + "}"


def alias_bomb(top: str = "dataset") -> str:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "\n".join(levels) + f"\n{top}: *a8\n"  # 10^9 values from 90 aliases


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, settings: Settings) -> Settings:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(settings.home))
    return settings


# The loader itself --------------------------------------------------------------------------------------


def test_the_loader_refuses_depth_aliases_and_size_without_recursing() -> None:
    with pytest.raises(DocumentTooComplex, match="nests more than"):
        load_yaml(deep_yaml(100_000))
    with pytest.raises(DocumentTooComplex, match="nests more than"):
        load_json(deep_json(100_000))
    with pytest.raises(DocumentTooComplex, match="expands to more than"):
        load_yaml(alias_bomb())
    with pytest.raises(DocumentTooComplex, match="characters"):
        load_yaml("x: " + "y" * 100, max_chars=50)
    # Anchors that expand modestly, and ordinary nesting, are read as before.
    assert load_yaml("base: &b {a: 1}\nitems: [*b, *b]\n") == {
        "base": {"a": 1},
        "items": [{"a": 1}, {"a": 1}],
    }
    assert load_json('{"a": [[1, "[[[["]]}') == {"a": [[1, "[[[["]]}


# Batch files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "name"), [(deep_yaml(), "batch.yaml"), (deep_json(), "batch.json")])
def test_a_batch_file_nested_10000_deep_is_a_422(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings, spec: str, name: str
) -> None:
    body = assert_error_with_problems(post_batch(client, headers, spec, spec_name=name))
    assert "nests more than" in body["detail"]
    assert_nothing_written(engine, settings)


def test_readiness_submit_of_a_batch_nested_10000_deep_exits_2(
    cli_env: Settings, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(deep_yaml())
    before = snapshot(engine, cli_env)
    result = CliRunner().invoke(main, ["submit", str(path)])
    assert result.exit_code == 2, result.output
    assert "nests more than" in result.output and "Traceback" not in result.output
    assert snapshot(engine, cli_env) == before


def assert_error_with_problems(answer: object) -> dict:
    import httpx

    assert isinstance(answer, httpx.Response)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "invalid_batch" and len(body["detail"]) <= BOUNDED
    return body


# Questionnaire answers ----------------------------------------------------------------------------------


def test_readiness_assess_with_an_alias_bomb_for_answers_exits_2_with_a_short_message(
    cli_env: Settings, engine: Engine, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(alias_bomb())
    before = snapshot(engine, cli_env)
    args = ["assess", str(BREAST_CANCER), "--target", "diagnosis", "--no-deep", "--answers", str(answers)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output[:500]
    assert "expands to more than" in result.output and "Traceback" not in result.output
    assert len(result.output) <= BOUNDED
    assert snapshot(engine, cli_env) == before


def test_an_answers_file_in_a_batch_that_is_an_alias_bomb_is_a_422(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    spec = "items:\n  - kind: project\n    name: p\n    answers: answers.yaml\n"
    answer = post_batch(client, headers, spec, {"answers.yaml": alias_bomb().encode()})
    body = assert_error_with_problems(answer)
    assert "expands to more than" in body["detail"]
    assert_nothing_written(engine, settings)


def test_a_huge_single_error_is_cut_short(
    client: TestClient,
    headers: dict[str, str],
    engine: Engine,
    settings: Settings,
    cli_env: Settings,
    tmp_path: Path,
) -> None:
    huge = "y" * 500_000
    # The API: answers in a JSON body, one answer a half-megabyte string where true/false belongs.
    answer = client.post(
        "/api/v1/projects",
        json={"name": "p", "answers": {"dataset": {"labels_available": huge}}},
        headers=headers,
    )
    body = assert_error(answer, 422, "invalid_answers")
    assert len(body["detail"]) <= BOUNDED and "labels_available" in body["detail"]
    # The command line: the same answer in a file.
    path = tmp_path / "answers.yaml"
    path.write_text(f"dataset:\n  labels_available: {huge}\n")
    args = ["assess", str(BREAST_CANCER), "--target", "diagnosis", "--no-deep", "--answers", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and len(result.output) <= BOUNDED, result.output[:500]
    # A batch item with a thousand bad fields: a few named, the rest counted.
    many = "\n".join(f"    q{i}: 1" for i in range(1000))
    spec = f"items:\n  - kind: project\n    name: p\n    answers:\n      dataset:\n{many.replace('    ', '        ')}\n"
    refused = post_batch(client, headers, spec)
    assert refused.status_code == 422 and len(refused.json()["detail"]) <= BOUNDED


def test_a_parquet_error_does_not_show_the_servers_storage_path(
    client: TestClient, headers: dict[str, str], settings: Settings
) -> None:
    project = make_project(client, headers)
    answer = upload(
        client, headers, project["id"], content=b"PAR1" + b"\x00" * 100 + b"PAR1", filename="x.parquet"
    )
    body = assert_error(answer, 422, "unreadable_file")
    assert str(settings.home) not in body["detail"] and "x.parquet" in body["detail"]
    assert len(body["detail"]) <= BOUNDED


def test_readiness_grid_with_a_file_nested_10000_deep_exits_2(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("data: x.csv\ntarget: y\nfamily: " + "[" * DEEP + "]" * DEEP + "\n")
    result = CliRunner().invoke(main, ["grid", str(path)])
    assert result.exit_code == 2, result.output[:500]
    assert "nests more than" in result.output and "Traceback" not in result.output


def test_a_json_body_nested_10000_deep_is_a_4xx_not_a_500(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    before = snapshot(engine, settings)
    body = '{"name": "p", "answers": {"dataset": ' + "[" * DEEP + "]" * DEEP + "}}"
    answer = client.post(
        "/api/v1/projects", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert 400 <= answer.status_code < 500 and set(answer.json()) == {"detail", "code"}, answer.text
    assert "JSON" in answer.json()["detail"] and "multipart" not in answer.json()["detail"]
    assert snapshot(engine, settings) == before
