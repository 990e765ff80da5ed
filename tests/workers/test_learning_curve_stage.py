"""Learning curves in an assessment: the points trained, what the fitted curves say, and where it shows."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from service.cli.terminal_report import render_report
from tests.factories import churn_frame, write_csv
from tests.workers.test_report_html import Page, assert_well_formed
from workers.assessment.config import AssessmentConfig
from workers.assessment.curve_stage import CURVE_FRACTIONS, MIN_CURVE_ROWS_PER_CLASS
from workers.assessment.curve_summary import CurvePoint, ModelCurve, summarise_curves
from workers.assessment.runner import assess_file
from workers.assessment.store import FanOutPoint, InMemoryStore, PointsPending
from workers.experiments.families import DEEP
from workers.report.html import render_html
from workers.rubric.evidence import MEANINGFUL_CURVE_GAIN

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAST_DEEP = {"max_epochs": 6, "patience": 3}


def rising_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Interactions of twelve features through sines and products, plus label noise: every model needs many
    rows to find them, so validation AUC keeps rising with the training-set size well past a few thousand."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 12))
    signal = (
        np.sin(2 * x[:, 0]) * np.cos(2 * x[:, 1])
        + np.sin(x[:, 2] * x[:, 3])
        + 0.7 * np.tanh(x[:, 4] * x[:, 5])
        + np.sin(1.5 * x[:, 6] + x[:, 7]) * x[:, 8]
        + 0.5 * x[:, 9] * x[:, 10] * x[:, 11]
    )
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(12)])
    frame["label"] = np.where(signal + rng.normal(0, 0.5, n) > 0, "yes", "no")
    return frame


def config(target: str, **overrides: Any) -> AssessmentConfig:
    settings: dict[str, Any] = {
        "target": target,
        "device": "cpu",
        "n_resamples": 200,
        "deep_params": FAST_DEEP,
        "n_jobs": 2,
    }
    settings.update(overrides)
    return AssessmentConfig(**settings)


@pytest.fixture(scope="module")
def rising(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], InMemoryStore, Path]:
    path = write_csv(rising_frame(3_000), tmp_path_factory.mktemp("rising"))
    store = InMemoryStore()
    return assess_file(path, config("label"), store), store, path


def test_a_curve_that_rises_with_n_is_reported_as_still_rising(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, _, _ = rising
    curves = report["learning_curves"]
    json.dumps(curves)
    assert curves["still_rising"] is True
    assert curves["evidence"]["still_rising"] is True
    assert curves["expected_gain_next_doubling"] >= MEANINGFUL_CURVE_GAIN
    baseline, deep = curves["models"]
    assert baseline["role"] == "best_baseline" and baseline["name"] == report["comparison"]["best_baseline"]
    assert deep["role"] == "deep" and deep["name"] == report["deep"]["chosen"]  # the one chosen on validation
    assert baseline["still_rising"] is True
    # The deep model barely learns on the smallest shares and then takes off: no power law describes that,
    # so its curve may be flagged (and then not extrapolated) instead of read as rising.
    assert deep["still_rising"] is True or deep["quality"]["problems"]
    for model in (baseline, deep):
        assert [p["train_fraction"] for p in model["points"]] == [*CURVE_FRACTIONS, 1.0]
        aucs = [p["val_roc_auc"] for p in model["points"]]
        assert aucs[0] < aucs[-1]
        assert len(model["fitted_curve"]["n_train"]) == len(model["fitted_curve"]["val_roc_auc"]) == 30
        # Drawn to 4x the training split; an ill-behaved curve only over its measured sizes (not extrapolated).
        reach = 4 if model["quality"]["ok"] else 1
        assert model["fitted_curve"]["n_train"][-1] == pytest.approx(
            reach * report["split"]["sizes"]["train"]
        )
    assert any("still rising" in sentence for sentence in curves["sentences"])


def test_the_largest_point_is_the_assessments_own_model(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, _, _ = rising
    validation = {m["name"]: m["validation"]["roc_auc"] for m in report["models"] if m["validation"]}
    for model in report["learning_curves"]["models"]:
        own = model["points"][-1]
        assert own["source"] == "assessment"
        assert own["n_train"] == report["split"]["sizes"]["train"]
        assert own["val_roc_auc"] == pytest.approx(validation[model["name"]])
        smallest = model["points"][0]
        assert smallest["source"] == "learning_curve"
        assert smallest["n_train"] == pytest.approx(0.1 * report["split"]["sizes"]["train"], abs=1)
    chosen = report["deep"]["chosen"]
    assert report["learning_curves"]["hyperparameters"][chosen]["max_epochs"] == FAST_DEEP["max_epochs"]


def test_the_verdict_and_the_rubric_ask_for_more_labels(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, _, _ = rising
    assert report["verdict"]["code"] == "collect_more_data"
    assert "still rising" in report["verdict"]["summary"]
    dataset = report["readiness"]["criteria"]["dataset"]
    assert any("learning curve is still rising" in finding for finding in dataset["findings"])
    assert "more labels will help more than a bigger model" in dataset["recommendation"]
    assert any(step.startswith("Collect more labelled rows") for step in report["recommendation"]["next_steps"])


def test_points_report_progress_and_the_stage_its_time(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, store, _ = rising
    done = [
        d["points_done"] for stage, _, d in store.events if stage == "learning_curve" and "points_done" in d
    ]
    assert done == [1, 2, 3, 4, 5, 6]
    assert report["timings"]["learning_curve"] > 0


def test_the_html_report_draws_one_series_per_model(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, _, _ = rising
    page = assert_well_formed(render_html(report))
    names = [m["name"] for m in report["learning_curves"]["models"]]
    lines = [p for p in page.inside_svg("chart-learning-curves", "path") if p.get("class") == "series"]
    assert [p["data-series"] for p in lines] == names  # the fitted curves
    dots = [g for g in page.inside_svg("chart-learning-curves", "g") if g.get("class") == "points"]
    # The measured points, each model's followed by its back-test: the prediction from its smaller points.
    assert [g["data-series"] for g in dots] == [s for name in names for s in (name, f"{name} back-test")]
    assert page.find("section", id="learning") and page.find("a", href="#learning")
    assert "No past assessments in this journal yet." in page.text


def test_the_terminal_shows_the_curves_and_the_journal(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, _, _ = rising
    console = Console(width=120, record=True)
    render_report(console, report)
    text = console.export_text()
    assert "Learning curves" in text and "still rising" in text
    assert "From the journal" in text and "No past assessments in this journal yet." in text


@dataclass
class JobStore(InMemoryStore):
    """Runs no point itself: as on the service, the points are jobs whose results come back later."""

    results: list[dict[str, Any]] | None = None
    asked: tuple[FanOutPoint, ...] = ()

    def fan_out(self, stage: str, points: Any, run_inline: Any) -> list[dict[str, Any]]:
        self.asked = tuple(points)
        if self.results is None:
            raise PointsPending(0, len(points))
        return self.results


def test_pending_points_end_the_job_unsaved_and_a_failed_point_is_shown_as_failed(
    rising: tuple[dict[str, Any], InMemoryStore, Path],
) -> None:
    report, finished, path = rising
    before = {k: v for k, v in finished.stages.items() if k not in ("learning_curve", "test_look", "report")}
    store = JobStore(stages=dict(before))
    with pytest.raises(PointsPending):
        assess_file(path, config("label"), store)
    assert "learning_curve" not in store.stages and "validation" in store.stages
    family = report["deep"]["chosen_family"]  # the deep family chosen on validation
    assert [(p.family, p.train_fraction) for p in store.asked][3:] == [(family, f) for f in CURVE_FRACTIONS]
    assert {p.seed for p in store.asked} == {config("label").seed}
    assert store.asked[3].hyperparameters["max_epochs"] == FAST_DEEP["max_epochs"]

    # The jobs finish; the deep model's smallest point failed its overfit check.
    store.results = [
        {
            "train_fraction": p["train_fraction"],
            "n_train": p["n_train"],
            "validation": {"roc_auc": p["val_roc_auc"]},
        }
        for m in report["learning_curves"]["models"]
        for p in m["points"][:-1]
    ]
    store.results[3].update(failed=True, error="The deep model could not overfit a handful of examples.")
    resumed = assess_file(path, config("label"), store)
    deep = resumed["learning_curves"]["models"][1]
    assert deep["points"][0]["status"] == "failed" and deep["points"][0]["val_roc_auc"] is None
    assert deep["fit"] is not None  # three points are still a curve
    page = Page(render_html(resumed))
    chosen = report["deep"]["chosen"]
    assert f"{chosen} at 10.0% failed: The deep model could not overfit a handful of examples." in page.text


def test_a_saturated_dataset_is_not_rising() -> None:
    report = assess_file(
        EXAMPLES / "breast_cancer.csv",
        config("diagnosis", positive="malignant", run_deep=False),
        InMemoryStore(),
    )
    curves = report["learning_curves"]
    assert [m["role"] for m in curves["models"]] == ["best_baseline"]
    assert curves["still_rising"] is False or curves["expected_gain_next_doubling"] < MEANINGFUL_CURVE_GAIN
    assert report["verdict"]["code"] != "collect_more_data"
    assert "No overtaking" not in " ".join(curves["sentences"])  # no deep model, no comparison sentence


def test_learning_curves_can_be_turned_off(tmp_path: Path) -> None:
    path = write_csv(churn_frame(800, seed=5), tmp_path)
    store = InMemoryStore()
    report = assess_file(path, config("churned", run_deep=False, learning_curve=False), store)
    assert report["learning_curves"] is None
    assert store.stages["learning_curve"].skipped is True
    assert ("learning_curve", 1.0, {"skipped": True}) in store.events


def test_too_few_rows_of_the_rarest_class_skip_the_curve(tmp_path: Path) -> None:
    frame = churn_frame(1_000, seed=6)
    rare = frame.index[frame["churned"] == "yes"][150:]  # keep 150 churners: 90 in training, 9 at 10%
    path = write_csv(frame.drop(rare), tmp_path)
    store = InMemoryStore()
    report = assess_file(path, config("churned", run_deep=False), store)
    assert report["learning_curves"] is None
    reason = store.stages["learning_curve"].reason
    assert f"needs at least {MIN_CURVE_ROWS_PER_CLASS}" in reason


def test_a_deep_model_rising_faster_is_expected_to_overtake_with_an_interval() -> None:
    def curve(name: str, family: str, aucs: list[float]) -> ModelCurve:
        sizes = (600, 1_500, 3_000, 6_000)
        points = [CurvePoint(n / 6_000, n, auc, "learning_curve") for n, auc in zip(sizes, aucs, strict=True)]
        return ModelCurve(name, family, "deep" if family == DEEP else "best_baseline", points)

    summary = summarise_curves(
        curve("XGBoost", "xgboost", [0.850, 0.862, 0.868, 0.871]),
        curve("ResNet MLP", DEEP, [0.780, 0.820, 0.845, 0.862]),
        seed=0,
    )
    assert summary.comparison is not None and summary.comparison["status"] == "overtakes"
    assert summary.comparison["overtake_size"] > 6_000
    sentence = summary.sentences[-1]
    assert sentence.startswith("The deep model rises faster and is expected to overtake XGBoost at about")
    assert "95% interval" in sentence


def test_a_model_with_too_few_points_has_no_fit_but_keeps_its_points() -> None:
    failed = [
        CurvePoint(f, int(f * 1000), None, "learning_curve", error="overfit check failed")
        for f in (0.1, 0.25)
    ]
    deep = ModelCurve("ResNet MLP", DEEP, "deep", [*failed, CurvePoint(0.5, 500, 0.8, "learning_curve")])
    base = ModelCurve(
        "XGBoost",
        "xgboost",
        "best_baseline",
        [CurvePoint(f, int(f * 1000), 0.7 + f / 10, "learning_curve") for f in (0.1, 0.5, 1)],
    )
    summary = summarise_curves(base, deep, seed=0)
    assert summary.models[1]["fit"] is None
    assert "only 1 of 3 points measured (2 failed)" in summary.models[1]["reason"]
    assert summary.comparison == {"status": "unknown", "message": summary.comparison["message"]}
    report = copy.deepcopy({"learning_curves": summary.section()})
    page = assert_well_formed(render_html(report))
    lines = [p for p in page.inside_svg("chart-learning-curves", "path") if p.get("class") == "series"]
    assert [p["data-series"] for p in lines] == ["XGBoost", "ResNet MLP"]  # the unfitted one joins its dots
