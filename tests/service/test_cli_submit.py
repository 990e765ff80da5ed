"""`readiness submit` as a user runs it: the example batch to its summary table, a run-time failure as exit 1,
a refused batch as exit 2 with nothing recorded, and a batch queued for a worker elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from service.cli.main import main
from service.models import Assessment, Batch, Dataset, Experiment, Grid, Project, Team
from tests.factories import churn_frame
from tests.service.test_api_harness import count_rows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    """Each test records into its own fresh database and home, as a new user's machine would."""
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")  # the summary table on one line per item
    return database_url


def _jobs(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one())


def test_the_example_batch_runs_to_its_summary_table(engine: Engine) -> None:
    result = CliRunner().invoke(main, ["submit", str(EXAMPLES / "batch.yaml"), "--wait"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "queued for team 'local': 2 projects, 2 datasets, 2 assessments, 1 grid" in out
    assert "— succeeded" in out  # the table's title: Batch <id> — succeeded
    for shown in (
        "breast-cancer, baselines and a short deep run",
        "assessment of penguins",
        "logistic regression, C",
    ):
        assert shown in out
    assert "verdict fix_data_first" in out  # the penguins' Comments column gives the label away
    assert "3 of 3 points" in out and "best validation ROC-AUC" in out
    assert "569 rows × 30 columns" in out
    assert "did not succeed" not in out
    assert [count_rows(engine, model) for model in (Project, Dataset, Assessment)] == [2, 2, 2]


def test_an_item_that_fails_at_run_time_makes_the_exit_code_1(tmp_path: Path) -> None:
    frame = churn_frame(300)
    # Only an ID column and a leak: the upload's checks pass, but nothing is left to learn from once the
    # assessment leaves them out, so the job fails when it runs.
    # Distinct refund values on every row: a two-valued leak alone would leave too few distinct rows to
    # split at all, which is refused at upload, before any job.
    frame = frame[["customer_id", "churned"]].assign(
        refund=np.where(frame["churned"] == "yes", 10.0, 0.0) + np.random.default_rng(0).uniform(0, 1, len(frame))
    )
    frame.to_csv(tmp_path / "leaky.csv", index=False)
    (tmp_path / "batch.yaml").write_text(
        """
items:
  - {kind: project, name: churn}
  - {kind: dataset, project: churn, file: leaky.csv, target: churned}
  - {kind: assessment, dataset: leaky, run_deep: false, n_resamples: 200}
"""
    )
    result = CliRunner().invoke(main, ["submit", str(tmp_path / "batch.yaml"), "--wait"])
    assert result.exit_code == 1, result.output
    assert "— failed" in result.output and "no_usable_features" in result.output
    assert "1 of 3 items did not succeed" in result.output


def test_a_refused_batch_exits_2_and_records_nothing(tmp_path: Path, engine: Engine) -> None:
    (tmp_path / "batch.yaml").write_text(
        """
items:
  - {kind: project, name: bc}
  - {kind: dataset, project: bc, file: ../breast_cancer.csv, target: diagnosis}
  - {kind: dataset, project: bc, file: missing.csv, target: diagnosis}
  - {kind: assessment, dataset: breast_cancer, max_epochs: 0}
""".replace("../breast_cancer.csv", str(EXAMPLES / "breast_cancer.csv"))
    )
    result = CliRunner().invoke(main, ["submit", str(tmp_path / "batch.yaml"), "--wait"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "nothing was recorded; 2 problems to fix" in result.output
    assert "item 3 (dataset 'missing'): No such file" in result.output
    assert "item 4 (assessment 'assessment of breast_cancer'): field 'max_epochs'" in result.output
    for model in (Batch, Project, Dataset, Assessment, Experiment, Grid, Team):  # the local team too
        assert count_rows(engine, model) == 0, model
    assert _jobs(engine) == 0
    assert not any(p.is_file() for p in (tmp_path / "home" / "artifacts").rglob("*"))


def test_without_wait_the_batch_is_queued_for_a_worker(engine: Engine) -> None:
    result = CliRunner().invoke(main, ["submit", str(EXAMPLES / "batch.yaml"), "--team", "research"])
    assert result.exit_code == 0, result.output
    assert "queued for team 'research'" in result.output and "readiness worker" in result.output
    assert _jobs(engine) == 5  # two assessments, three grid points
    assert count_rows(engine, Batch) == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [(["no-such-batch.yaml"], "No such batch file"), (["--team", " "], "--team must be")],
)
def test_user_mistakes_exit_2(args: list[str], words: str) -> None:
    if args[0] == "--team":
        args = [str(EXAMPLES / "batch.yaml"), *args]
    result = CliRunner().invoke(main, ["submit", *args])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
