"""Data parsed once: one `readiness assess` with learning curves reads the CSV once, then every job (the
assessment, its learning-curve points, a later grid on the same data) loads the stored parse and the stored
preparation instead of reading, splitting, checking and profiling the file again.

The counts come from call-counting hooks on the library's own functions (the CSV reader, the column profiler,
the split and the checks), not from timings: the real service path runs (embedded Postgres, the CLI's
in-process worker), only counted.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.assessments.runtime import run_worker_in_thread
from service.cli.main import main
from service.datasets.parsed import derived_files
from service.settings import Settings
from tests.service.test_api_harness import API, bearer, make_project, upload

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "breast_cancer.csv"
ASSESS = ["assess", str(EXAMPLE), "--target", "diagnosis", "--positive", "malignant", "--max-epochs", "3"]

# What is counted, and where the library looks each one up when it calls it.
HOOKS = {
    "parse": ("workers.data.loading", "_read_csv"),
    "profile_column": ("workers.data.loading", "profile_column"),
    "split": ("workers.preparation", "make_split"),
    "checks": ("workers.preparation", "run_checks"),
}


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each hooked function ran since the test began (or since the test cleared it)."""
    import importlib

    counts: Counter[str] = Counter()

    def counting(what: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[what] += 1
            return real(*args, **kwargs)

        return counted

    for what, (module_name, attribute) in HOOKS.items():
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, attribute, counting(what, getattr(module, attribute)))
    yield counts


def assess() -> str:
    result = CliRunner().invoke(main, ASSESS)
    assert result.exit_code == 0, result.output
    return result.output


def per_column(counts: Counter[str]) -> dict[str, int]:
    """The counts, the column profiler's per 30-column parse rather than per column."""
    return {**{what: counts[what] for what in HOOKS}, "profile_column": counts["profile_column"] // 30}


def test_one_assessment_with_learning_curves_parses_the_csv_once(calls: Counter[str]) -> None:
    output = assess()
    assert "learning curve" in output.lower()
    assert per_column(calls) == {"parse": 1, "profile_column": 1, "split": 1, "checks": 1}


def test_a_second_assessment_of_the_same_data_parses_nothing(calls: Counter[str]) -> None:
    assess()
    calls.clear()
    assess()
    # The CLI hashes the file and finds it read before with this target and positive class: the stored parse
    # and preparation stand for it, at the door and in every job.
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}


def test_a_grid_on_a_dataset_taken_in_parses_nothing_in_its_jobs(calls: Counter[str], tmp_path: Path) -> None:
    assess()
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(
        yaml.safe_dump(
            {
                "data": str(EXAMPLE),
                "target": "diagnosis",
                "positive": "malignant",
                "project": EXAMPLE.stem,
                "family": "logistic_regression",
                "grid": {"C": [0.1, 1.0]},
                "split_seed": 7,  # a split the assessment did not make: prepared once, by the first point
            }
        )
    )
    calls.clear()
    result = CliRunner().invoke(main, ["grid", str(grid_file), "--promote", "the best point, once"])
    assert result.exit_code == 0, result.output
    assert "Grid leaderboard" in result.output and "Test split, best point" in result.output
    # Nothing is parsed, by the command, its two points or the look at test; the new split is made and
    # checked once for all three.
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 1, "checks": 1}


# Through the API: an upload is parsed once, its jobs never ----------------------------------------------------


def _experiment(client: TestClient, headers: dict[str, str], dataset_id: str, c: float) -> str:
    answer = client.post(
        f"{API}/experiments",
        json={"dataset_id": dataset_id, "model_family": "logistic_regression", "hyperparameters": {"C": c}},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def _run(
    client: TestClient, headers: dict[str, str], settings: Settings, experiment_id: str
) -> dict[str, Any]:
    """Work the queue with a fresh worker (nothing of an earlier worker's memory) until the experiment ends."""
    worker = run_worker_in_thread(settings)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            body = client.get(f"{API}/experiments/{experiment_id}", headers=headers).json()
            if body["status"] in ("succeeded", "failed", "cancelled"):
                return body
            time.sleep(0.2)
    finally:
        worker.stop()
    raise AssertionError(f"experiment {experiment_id} did not finish")


def test_an_upload_is_parsed_once_and_its_experiments_load_it(
    client: TestClient, engine: Engine, settings: Settings, calls: Counter[str]
) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    answer = upload(client, headers, project["id"])
    assert answer.status_code == 201, answer.text
    # The upload was parsed, split and checked in a pooled process (service.datasets.apart), not in the API's,
    # which kept the parsed copy and its preparation in the store.
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}
    kept = derived_files(ArtifactStore(settings.artifacts_path), answer.json()["sha256"])
    assert {"parsed", "prepared"} <= {path.name.rsplit(".", 2)[-2] for path in kept}
    for c in (0.5, 2.0):  # each on a worker of its own: what they share is the store, not a worker's memory
        done = _run(client, headers, settings, _experiment(client, headers, answer.json()["id"], c))
        assert done["status"] == "succeeded", done
        assert done["procedure"]["used_columns"]
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}


def test_a_dataset_with_no_parsed_copy_is_parsed_by_its_first_job_only(
    client: TestClient, engine: Engine, settings: Settings, calls: Counter[str]
) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    dataset = upload(client, headers, project["id"]).json()
    # As a dataset taken in before parsed copies were kept: only its upload is in the store.
    for path in derived_files(ArtifactStore(settings.artifacts_path), dataset["sha256"]):
        path.unlink()
    calls.clear()
    first = _run(client, headers, settings, _experiment(client, headers, dataset["id"], 0.5))
    assert per_column(calls) == {"parse": 1, "profile_column": 1, "split": 1, "checks": 1}
    calls.clear()
    second = _run(client, headers, settings, _experiment(client, headers, dataset["id"], 2.0))
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}
    assert first["status"] == second["status"] == "succeeded"
    assert first["split_id"] == second["split_id"]  # the very same rows


def test_the_sweeper_keeps_parsed_data_a_dataset_holds_and_deletes_what_none_does(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from service.orphans import sweep_orphans

    headers = bearer(engine, "team-a")
    dataset = upload(client, headers, make_project(client, headers)["id"]).json()
    artifacts = ArtifactStore(settings.artifacts_path)
    held = derived_files(artifacts, dataset["sha256"])
    assert len(held) == 3  # the parsed table, its default preparation and its row sketch
    left = "ab" * 32  # bytes no dataset holds: a crash between keeping their parse and committing the row
    orphans = [
        artifacts.path(f"{left}.0123456789abcdef.parsed.parquet"),
        artifacts.path(f"{left}.0.1.prepared.pkl"),
    ]
    for path in orphans:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    two_days_ago = time.time() - 2 * 86400
    for path in [*held, *orphans]:
        os.utime(path, (two_days_ago, two_days_ago))

    sweep = sweep_orphans(engine, settings)

    assert sorted(sweep.deleted) == sorted(orphans)
    assert all(path.is_file() for path in held)


def test_a_batch_reads_its_file_once_and_its_jobs_never(
    client: TestClient, engine: Engine, settings: Settings, calls: Counter[str]
) -> None:
    from tests.service.test_batches import SMALL_BATCH, example_files, post_batch, wait_until_ended

    headers = bearer(engine, "team-a")
    files = example_files("breast_cancer.csv")
    answer = post_batch(client, headers, SMALL_BATCH, files)
    assert answer.status_code == 202, answer.text
    # Read once, in a pooled process (service.datasets.apart), which kept the parsed copy and its preparation.
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}
    sha256 = hashlib.sha256(files["breast_cancer.csv"]).hexdigest()
    kept = derived_files(ArtifactStore(settings.artifacts_path), sha256)
    assert {"parsed", "prepared"} <= {path.name.rsplit(".", 2)[-2] for path in kept}
    worker = run_worker_in_thread(settings)
    try:
        done = wait_until_ended(client, headers, answer.headers["Location"])
    finally:
        worker.stop()
    assert done["status"] == "succeeded", done["items"]
    # The assessment, its learning-curve points and the grid's two points all load what the batch kept.
    assert per_column(calls) == {"parse": 0, "profile_column": 0, "split": 0, "checks": 0}
