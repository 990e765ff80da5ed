"""A stage output saved in Postgres by the code before the typed stage outputs (a pickled dict) is read back
as its record: a job retried across the upgrade keeps its finished stages."""

from __future__ import annotations

from pathlib import Path

import procrastinate
from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.assessments.store import PostgresStore
from service.settings import Settings
from tests.factories import churn_frame, write_csv
from tests.service.test_jobs import _submit
from workers.assessment.outputs import Comparison, TestLookOutput


def test_an_old_dict_test_look_is_read_as_its_record(
    settings: Settings, engine: Engine, job_app: procrastinate.App, tmp_path: Path
) -> None:
    submitted = _submit(
        settings, engine, job_app, write_csv(churn_frame(200, seed=1), tmp_path), target="churned", options={}
    )
    store = PostgresStore(engine, ArtifactStore(settings.artifacts_path), submitted.id, who="test")
    comparison = {
        "best_baseline": "XGBoost",
        "deep": None,
        "metric": "roc_auc",
        "selected_on": "validation",
        "delta_roc_auc": None,
        "delong_p_value": None,
        "test": None,
    }
    old = {
        "test": {"XGBoost": {"roc_auc": {"value": 0.8}}},
        "curves": {},
        "comparison": comparison,
        "test_budget": {"limit": 3, "used": 1},
        "_seconds": 1.5,
        "_cpu_seconds": 2.5,
    }
    store.save_stage("test_look", old)
    loaded = store.load_stage("test_look")
    assert loaded == TestLookOutput(
        test=old["test"],
        curves={},
        comparison=Comparison(best_baseline="XGBoost", deep=None),
        test_budget={"limit": 3, "used": 1},
        seconds=1.5,
        cpu_seconds=2.5,
    )
    assert loaded.comparison.to_json() == comparison
    assert store.load_stage("report") is None  # a stage not finished is still not finished
