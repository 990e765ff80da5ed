"""`readiness export mlflow` (issue 14 item 6): every assessment and experiment becomes an MLflow run in a
local file: store — parameters, metrics with their interval bounds, the test look's ledger row, the reports
and the model card as artifacts — read back with MlflowClient; a second export adds nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from service.cli.main import main
from service.database.engine import session_scope
from service.models import Assessment, Experiment
from service.models.ledger import TestLook

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "breast_cancer.csv"


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


def test_every_run_goes_to_mlflow_once_with_intervals_and_artifacts(tmp_path: Path, engine: Engine) -> None:
    from mlflow.tracking import MlflowClient

    _run(
        "assess", str(DATA), "--target", "diagnosis", "--positive", "malignant", "--answers",
        str(ROOT / "examples" / "answers.yaml"), "--no-deep", "--no-learning-curve", "--resamples", "200",
        "--project", "bc", "--quiet",
    )  # fmt: skip
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        f"data: {DATA}\ntarget: diagnosis\npositive: malignant\nfamily: logistic_regression\nproject: bc\n"
        "hypothesis: weaker L2\ngrid:\n  C: [2.0]\n"
    )
    _run("grid", str(grid), "--promote", "ship it")
    with session_scope(engine) as session:
        assessment = session.scalars(select(Assessment)).one()
        experiments = session.scalars(select(Experiment)).all()
        ours = {str(assessment.id), *(str(e.id) for e in experiments)}
        point = next(e for e in experiments if e.kind.value == "grid")
        point_id = str(point.id)
        looks = {
            str(look.assessment_id or (look.metrics or {}).get("experiment_id")): str(look.id)
            for look in session.scalars(select(TestLook))
        }

    uri = (tmp_path / "mlruns").as_uri()
    first = _run("export", "mlflow", "--tracking-uri", uri, "--project", "bc")
    assert f"{len(ours)} runs written, 0 already there" in first

    client = MlflowClient(tracking_uri=uri)
    mlflow_experiment = client.get_experiment_by_name("readiness/bc")
    runs = {r.data.tags["readiness.id"]: r for r in client.search_runs([mlflow_experiment.experiment_id])}
    assert set(runs) == ours

    run = runs[str(assessment.id)]
    assert run.data.params["seed"] and run.data.tags["readiness.kind"] == "assessment"
    metrics = run.data.metrics
    assert (
        metrics["xgboost.test_roc_auc_ci_low"]
        < metrics["xgboost.test_roc_auc"]
        < metrics["xgboost.test_roc_auc_ci_high"]
    )
    assert run.data.tags["readiness.test_look_id"] == looks[str(assessment.id)]
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {"report.json", "report.html"}

    promoted = runs[point_id]
    assert (
        promoted.data.params["hp.C"] == "2.0"
        and promoted.data.params["model_family"] == "logistic_regression"
    )
    assert promoted.data.metrics["test_roc_auc_ci_low"] < promoted.data.metrics["test_roc_auc"]
    assert "val_roc_auc" in promoted.data.metrics
    assert promoted.data.tags["readiness.test_look_id"] == looks[point_id]
    card = client.download_artifacts(promoted.info.run_id, "model_card.md", str(tmp_path))
    assert "Model card: Logistic regression" in Path(card).read_text()

    second = _run("export", "mlflow", "--tracking-uri", uri)
    assert f"0 runs written, {len(ours)} already there" in second
    assert len(client.search_runs([mlflow_experiment.experiment_id])) == len(ours)


def test_without_mlflow_the_export_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)  # as if mlflow-skinny were not installed
    result = CliRunner().invoke(main, ["export", "mlflow", "--tracking-uri", (tmp_path / "m").as_uri()])
    assert result.exit_code == 2 and "pip install 'readiness[mlflow]'" in result.output
    assert not (tmp_path / "m").exists()
