"""Taking the model away (issue 14 item 5): a real assessment's and real experiments' fitted models exported
from the CLI and the API load in a fresh Python — with only the bundle's documented loader, no Readiness on
the path — and give the stored model's predictions; the model card names the data, metrics with intervals
and the intended use; no file in a bundle is a pickle; another team gets a 404, a failed run a 409."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.artifacts import ArtifactStore
from service.assessments.runtime import run_worker_in_thread
from service.cli.main import main
from service.database.engine import session_scope
from service.exports.sources import assessment_source, experiment_source
from service.models import Assessment, Experiment, ExperimentKind
from service.settings import Settings
from tests.service.test_api_harness import API, assert_error, bearer, make_project, upload
from workers.experiments.data import prepare_experiment_data

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "breast_cancer.csv"
ROWS = 6
PICKLE_MARKERS = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")  # a pickle's PROTO opcode and version

SNIPPET = """
import json, sys
import pandas as pd
from load_model import load_bundle
model = load_bundle(".")
rows = pd.read_csv("rows.csv")
print(json.dumps(model.predict_proba(rows).to_numpy().tolist()))
"""


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return database_url


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _assess() -> None:
    _run(
        "assess", str(DATA), "--target", "diagnosis", "--positive", "malignant", "--answers",
        str(ROOT / "examples" / "answers.yaml"), "--no-deep", "--no-learning-curve", "--resamples", "200",
        "--project", "bc", "--quiet",
    )  # fmt: skip


def _grid(tmp_path: Path, family: str, grid: str, *promote: str) -> None:
    path = tmp_path / f"{family}.yaml"
    path.write_text(
        f"data: {DATA}\ntarget: diagnosis\npositive: malignant\nfamily: {family}\nproject: bc\n"
        f"hypothesis: export me\ngrid:\n{grid}\n"
    )
    _run("grid", str(path), *promote)


def _no_pickle(folder: Path) -> None:
    """No .pkl anywhere, and no file (or member of a zip-based file such as .skops) that is a pickle."""
    for path in folder.rglob("*"):
        assert path.suffix not in (".pkl", ".pickle", ".pt", ".pth"), path
        data = path.read_bytes()
        assert not data.startswith(PICKLE_MARKERS), path
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    assert not member.endswith((".pkl", ".pickle")), (path, member)
                    assert not archive.read(member).startswith(PICKLE_MARKERS), (path, member)


def _fresh_predictions(folder: Path, rows: pd.DataFrame) -> np.ndarray:
    """Load the bundle the way its README says, in a new interpreter that cannot import Readiness."""
    rows.to_csv(folder / "rows.csv", index=False)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    done = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, '.');" + SNIPPET],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (folder / "rows.csv").unlink()
    return np.asarray(json.loads(done.stdout))


def _rows_and_expected(source: object) -> tuple[pd.DataFrame, np.ndarray]:
    """A few validation rows as uploaded, and what the stored model answers on them."""
    data = prepare_experiment_data(
        DATA,
        target="diagnosis",
        positive="malignant",
        seed=source.split_seed,  # type: ignore[attr-defined]
    )
    frame = data.validation_frame.iloc[:ROWS]
    raw = pd.read_csv(DATA).drop(columns=["diagnosis"]).loc[frame.index]
    return raw, source.model.predict_proba(frame)  # type: ignore[attr-defined]


def test_cli_exports_load_anywhere_and_predict_as_stored(tmp_path: Path, engine: Engine) -> None:
    _assess()
    _grid(tmp_path, "logistic_regression", "  C: [0.5]", "--promote", "the one to ship")
    _grid(tmp_path, "deep", "  max_epochs: [3]\n  d_main: [16]\n  d_hidden: [16]\n  n_blocks: [1]")
    artifacts = ArtifactStore(tmp_path / "home" / "artifacts")
    with session_scope(engine) as session:
        assessment = session.scalars(select(Assessment)).one()
        grid_points = {
            e.model_family: e
            for e in session.scalars(select(Experiment).where(Experiment.kind == ExperimentKind.grid))
        }
        sources = {
            "xgboost": assessment_source(engine, artifacts, session, assessment, "xgboost"),
            "forest": assessment_source(engine, artifacts, session, assessment, "Random forest"),
            "logistic": experiment_source(engine, artifacts, session, grid_points["logistic_regression"]),
            "deep": experiment_source(engine, artifacts, session, grid_points["deep"]),
        }
        ids = {
            "xgboost": (str(assessment.id)[:8], "XGBoost"),
            "forest": (str(assessment.id), "random_forest"),
            "logistic": (str(grid_points["logistic_regression"].id)[:8], None),
            "deep": (str(grid_points["deep"].id), None),
        }
    for name, source in sources.items():
        ident, model = ids[name]
        out = tmp_path / "out" / name
        args = ["model", "export", ident, "--out", str(out)] + (["--model", model] if model else [])
        assert "no file in it is a pickle" in _run(*args)
        _no_pickle(out)
        raw, expected = _rows_and_expected(source)
        np.testing.assert_allclose(_fresh_predictions(out, raw), expected, rtol=1e-6, atol=1e-9)

        card = json.loads((out / "model_card.json").read_text())
        assert card["data"]["sha256"] == sources[name].dataset["sha256"] and card["data"]["rows"] == 569
        auc = card["metrics"]["validation"]["roc_auc"]
        assert auc["ci_low"] < auc["value"] < auc["ci_high"] <= 1
        assert card["intended_use"]["description"].startswith("Flag fine-needle aspirates")
        assert card["intended_use"]["human_in_the_loop"] is True
        markdown = (out / "model_card.md").read_text()
        assert card["data"]["sha256"] in markdown and "95% interval" in markdown
    manifest = json.loads((tmp_path / "out" / "deep" / "manifest.json").read_text())
    assert manifest["kind"] == "torch" and (tmp_path / "out" / "deep" / "weights.safetensors").exists()
    assert json.loads((tmp_path / "out" / "xgboost" / "manifest.json").read_text())["kind"] == "xgboost"
    # The assessment looked at the test split (a budgeted look): its card shows the test metrics and the
    # ledger row; the deep grid point was never looked at, and its card says so.
    xgb_card = json.loads((tmp_path / "out" / "xgboost" / "model_card.json").read_text())
    assert (
        xgb_card["metrics"]["test"]["roc_auc"]["ci_low"] is not None
        and xgb_card["metrics"]["test_look"]["ledger_id"]
    )
    deep_card = json.loads((tmp_path / "out" / "deep" / "model_card.json").read_text())
    assert deep_card["metrics"]["test"] is None and any(
        "Not tested on the held-out" in x for x in deep_card["limits"]
    )
    logistic_card = json.loads((tmp_path / "out" / "logistic" / "model_card.json").read_text())
    assert logistic_card["metrics"]["test"] and "the one to ship" in (
        logistic_card["metrics"]["test_look"]["reason"] or ""
    )

    zipped = tmp_path / "forest.zip"
    _run("model", "export", str(assessment.id), "--model", "random forest", "--out", str(zipped))
    assert any(n.endswith("/model.skops") for n in zipfile.ZipFile(zipped).namelist())

    refused = CliRunner().invoke(main, ["model", "export", "ffffffff", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "No experiment or assessment ffffffff" in refused.output
    assert not (tmp_path / "x").exists()


def _wait(client: TestClient, headers: dict[str, str], experiment_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"{API}/experiments/{experiment_id}", headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"experiment {experiment_id} did not finish: {body.get('status')}")


def test_api_zip_route_is_team_checked_and_a_run_without_a_model_is_409(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    a, b = bearer(engine, "team-a"), bearer(engine, "team-b")
    project = make_project(client, a)
    dataset_id = upload(client, a, project["id"]).json()["id"]
    submitted = client.post(
        f"{API}/experiments",
        json={"dataset_id": dataset_id, "model_family": "logistic_regression"},
        headers=a,
    ).json()
    worker = run_worker_in_thread(settings)
    try:
        assert _wait(client, a, submitted["id"])["status"] == "succeeded"
    finally:
        worker.stop()
    answer = client.get(f"{API}/experiments/{submitted['id']}/model", headers=a)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert {n.split("/", 1)[1] for n in names} >= {
        "model.skops",
        "manifest.json",
        "model_card.md",
        "load_model.py",
    }
    assert_error(client.get(f"{API}/experiments/{submitted['id']}/model", headers=b), 404, "not_found")

    queued = client.post(
        f"{API}/experiments", json={"dataset_id": dataset_id, "model_family": "xgboost"}, headers=a
    ).json()  # no worker runs it: there is no fitted model yet
    assert_error(client.get(f"{API}/experiments/{queued['id']}/model", headers=a), 409, "no_fitted_model")

    # MLflow from the API: only file: URIs under HOME/mlflow (or an allow-listed URI), never any address.
    refused = client.post(
        f"{API}/projects/{project['id']}/export/mlflow",
        json={"tracking_uri": "http://169.254.169.254/latest"},
        headers=a,
    )
    assert_error(refused, 422, "tracking_uri_not_allowed")
    outside = client.post(
        f"{API}/projects/{project['id']}/export/mlflow",
        json={"tracking_uri": "file:///tmp/elsewhere"},
        headers=a,
    )
    assert_error(outside, 422, "tracking_uri_not_allowed")
    uri = (settings.home / "mlflow" / "runs").as_uri()
    first = client.post(
        f"{API}/projects/{project['id']}/export/mlflow", json={"tracking_uri": uri}, headers=a
    )
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 1  # the finished experiment; the queued one has nothing to log yet
    again = client.post(
        f"{API}/projects/{project['id']}/export/mlflow", json={"tracking_uri": uri}, headers=a
    )
    assert again.json()["created"] == 0 and again.json()["skipped"] == 1
    assert_error(
        client.post(f"{API}/projects/{project['id']}/export/mlflow", json={"tracking_uri": uri}, headers=b),
        404,
        "not_found",
    )
