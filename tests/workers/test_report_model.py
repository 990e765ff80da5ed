"""The typed report: every report the service has stored loads, and dumps back to the very same JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.report.html import render_html
from workers.report.json_values import json_ready
from workers.report.model import Report

FIXTURES = Path(__file__).parent / "fixtures"
# A report `readiness assess examples/breast_cancer.csv` stored today (with the service's `elapsed`), and the
# hand-written binary and multiclass reports the HTML tests read.
STORED = ("report_stored.json", "report_binary.json", "report_multiclass.json")


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", STORED)
def test_a_stored_report_validates_and_dumps_to_the_same_json(name: str) -> None:
    stored = _load(name)
    report = Report.model_validate(stored)
    # The same text, key for key and number for number (an int score stays 80, not 80.0).
    assert json.dumps(report.model_dump(mode="json"), sort_keys=True) == json.dumps(stored, sort_keys=True)


def test_a_stored_report_reads_as_attributes() -> None:
    report = Report.model_validate(_load("report_stored.json"))
    assert report.verdict is not None and report.verdict.code == "simple_model_good_enough"
    assert report.dataset is not None and report.dataset.rows == 569 and report.dataset.target == "diagnosis"
    deep = next(m for m in report.models if m.family == "deep")
    assert deep.test is not None and deep.test.roc_auc is not None
    assert 0.5 < deep.test.roc_auc.value <= 1.0  # type: ignore[operator]
    assert report.learning_curves is not None and report.learning_curves.models[0].points
    assert report.elapsed is not None and report.elapsed.wall_seconds is not None


def test_an_old_minimal_report_validates_and_keeps_its_shape() -> None:
    old = _load("report_binary.json")
    for section in ("learning_curves", "cpu_timings", "history", "answers", "elapsed"):
        old.pop(section, None)
    del old["models"][0]["curves"], old["models"][0]["validation"]
    report = Report.model_validate(old)
    assert (report.learning_curves, report.history, report.elapsed) == (None, None, None)
    assert report.cpu_timings == {}
    assert report.models[0].curves is None
    # Nothing absent is written back as null: the dump is the old report, not a newer shape.
    assert report.model_dump(mode="json") == old


def test_an_empty_report_validates() -> None:
    assert Report.model_validate({}).model_dump(mode="json") == {}


def test_keys_the_model_does_not_name_are_kept() -> None:
    stored = {
        "verdict": {"code": "inconclusive", "summary": "…", "since_v2": [1, 2]},
        "new_section": {"a": 1},
    }
    assert Report.model_validate(stored).model_dump(mode="json") == stored


def test_nan_dumps_as_null() -> None:
    report = Report.model_validate(json_ready({"timings": {"profile": float("nan")}}))
    assert report.model_dump(mode="json") == {"timings": {"profile": None}}
    built = Report(timings={"profile": math.inf}, comparison={"delta_roc_auc": float("nan")})  # type: ignore[arg-type]
    assert built.model_dump(mode="json") == {
        "timings": {"profile": None},
        "comparison": {"delta_roc_auc": None},
    }


def _unnamed_keys(part: object, path: str = "report") -> set[str]:
    """Keys anywhere in the report that the model does not name (kept as extras)."""
    found: set[str] = set()
    if isinstance(part, BaseModel):
        found |= {f"{path}.{key}" for key in part.model_extra or {}}
        for name in type(part).model_fields:
            found |= _unnamed_keys(getattr(part, name), f"{path}.{name}")
    elif isinstance(part, list):
        for item in part:
            found |= _unnamed_keys(item, f"{path}[]")
    elif isinstance(part, dict):
        for item in part.values():
            found |= _unnamed_keys(item, f"{path}.*")
    return found


def test_a_fresh_assessments_report_is_the_model_and_the_model_names_every_key(tmp_path: Path) -> None:
    config = AssessmentConfig(
        target="churned",
        device="cpu",
        n_resamples=200,
        deep_params={"max_epochs": 4, "patience": 2},
        n_jobs=2,
    )
    stored = assess_file(write_csv(churn_frame(900, seed=5), tmp_path), config, InMemoryStore())
    json.dumps(stored, allow_nan=False)  # plain JSON, NaN written as null
    report = Report.model_validate(stored)
    assert report.model_dump(mode="json") == stored
    # Every section, model and learning-curve point that the pipeline writes is a field of the model.
    assert _unnamed_keys(report) == set()
    assert report.learning_curves is not None and report.history is not None and report.cpu_timings
    assert render_html(report) == render_html(stored)
