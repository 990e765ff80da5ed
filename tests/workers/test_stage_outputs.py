"""Typed stage outputs: what a resumed job reads back (today's pickles and the dicts saved before them), and
the one deep fitter the assessment and the experiments share."""

from __future__ import annotations

import pickle
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.outputs import (
    BaselinesOutput,
    DeepOutput,
    LearningCurveOutput,
    StageResult,
    TestLookOutput,
    ValidationOutput,
    upgrade,
)
from workers.assessment.runner import STAGE_NAMES, assess_file
from workers.assessment.store import InMemoryStore
from workers.baselines import FittedModel
from workers.experiments.data import prepare_experiment_data
from workers.experiments.families import DEEP
from workers.experiments.fitting import DeepFailure, try_fit_deep
from workers.experiments.run import run_experiment

SEED = 77
FAST_DEEP = {"max_epochs": 4, "patience": 2, "d_main": 32, "batch_size": 128}
MODEL_STAGES = ("baselines", "deep_model", "validation", "learning_curve", "test_look")


def _config(**overrides: Any) -> AssessmentConfig:
    settings: dict[str, Any] = {
        "target": "churned",
        "seed": SEED,
        "device": "cpu",
        "n_resamples": 50,
        "deep_params": FAST_DEEP,
        "n_jobs": 2,
        "learning_curve": True,
    }
    settings.update(overrides)
    return AssessmentConfig(**settings)


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(churn_frame(1_000, seed=21), tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="module")
def finished(churn_csv: Path) -> tuple[dict[str, Any], InMemoryStore]:
    store = InMemoryStore()
    return assess_file(churn_csv, _config(), store, key="job"), store


def _same_report(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for when it was made and how long its stages took."""

    def timeless(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: timeless(v) for k, v in value.items() if "seconds" not in k and k != "created_at"}
        if isinstance(value, list):
            return [timeless(v) for v in value]
        return value

    drop = {"timings", "cpu_timings"}
    return timeless({k: v for k, v in a.items() if k not in drop}) == timeless(
        {k: v for k, v in b.items() if k not in drop}
    )


def _one_deep_model(report: dict[str, Any]) -> dict[str, Any]:
    """`report` as outputs saved before TabM can give it: their deep stage held only the compared deep model,
    so the other deep family's entry and the `deep` section (which lists both) are not there."""
    compared = report["comparison"]["deep"]
    models = [m for m in report["models"] if m["family"] != "deep" or m["name"] == compared]
    return {**{k: v for k, v in report.items() if k != "deep"}, "models": models}


def _started(store: InMemoryStore) -> set[str]:
    return {stage for stage, fraction, _ in store.events if fraction == 0.0}


def test_each_model_stage_saves_its_typed_record_with_its_timing(
    finished: tuple[dict[str, Any], InMemoryStore],
) -> None:
    report, store = finished
    kinds = (BaselinesOutput, DeepOutput, ValidationOutput, LearningCurveOutput, TestLookOutput)
    for stage, kind in zip(MODEL_STAGES, kinds, strict=True):
        output = store.stages[stage]
        assert type(output) is kind
        assert output.seconds is not None and output.seconds > 0 and output.cpu_seconds is not None
        assert (
            report["timings"][stage] == output.seconds and report["cpu_timings"][stage] == output.cpu_seconds
        )
    assert list(report["timings"]) == list(STAGE_NAMES[:-1])  # every stage before the report, in order
    deep = store.stages["deep_model"]
    assert deep.model is not None and not deep.failed and deep.device == "cpu"
    assert report["models"][-1]["fit_seconds"] == deep.model.fit_seconds
    assert report["learning_curves"] == store.stages["learning_curve"].section()


def test_a_job_resumed_from_pickled_outputs_gives_the_same_report_without_rerunning(
    churn_csv: Path, finished: tuple[dict[str, Any], InMemoryStore]
) -> None:
    report, store = finished
    saved = pickle.loads(pickle.dumps({k: v for k, v in store.stages.items() if k != "report"}))
    retry = InMemoryStore(stages=saved, looks=dict(store.looks))
    resumed = assess_file(churn_csv, _config(), retry, key="job")
    assert _started(retry) == {"report"}
    assert _same_report(resumed, report) and resumed["timings"] == report["timings"]
    assert len(retry.looks) == 1  # the test look was not taken again


def _as_saved_before(stage: str, output: StageResult) -> dict[str, Any]:
    """`output` as the code before the typed outputs saved it: a dict, timed under `_seconds`."""
    timing = {"_seconds": output.seconds, "_cpu_seconds": output.cpu_seconds}
    if isinstance(output, DeepOutput):
        # A fitted deep model's dict had neither fit_seconds nor device: they were the model's.
        keys = ["model", "error", "skipped", "diagnostics", "val_proba"]
        if output.failed:
            keys += ["fit_seconds", "device"]
        return {**{key: getattr(output, key) for key in keys}, **timing}
    if isinstance(output, LearningCurveOutput):
        return {**(output.section() or {}), **timing}
    if isinstance(output, ValidationOutput):
        thresholds = {name: asdict(choice) for name, choice in output.thresholds.items()}
        return {
            "metrics": output.metrics,
            "best_baseline": output.best_baseline,
            "thresholds": thresholds,
            **timing,
        }
    if isinstance(output, TestLookOutput):
        parts = {"test": output.test, "curves": output.curves, "comparison": output.comparison.to_json()}
        # `economics` (issue 12) came after the typed outputs; a dict that carries it is read like the rest.
        return {**parts, "test_budget": output.test_budget, "economics": output.economics, **timing}
    return {**{f.name: getattr(output, f.name) for f in fields(output) if "seconds" not in f.name}, **timing}


def test_a_job_resumed_from_outputs_saved_as_dicts_before_the_typed_ones_reads_them(
    churn_csv: Path, finished: tuple[dict[str, Any], InMemoryStore]
) -> None:
    """A job that crashed under the old code and is retried under the new one keeps its finished stages:
    the old dicts are read as their records (nothing is retrained, the test look is not taken again)."""
    report, store = finished
    old = {stage: _as_saved_before(stage, store.stages[stage]) for stage in MODEL_STAGES}
    saved = {**{k: v for k, v in store.stages.items() if k not in MODEL_STAGES and k != "report"}, **old}
    retry = InMemoryStore(stages=pickle.loads(pickle.dumps(saved)), looks=dict(store.looks))
    resumed = assess_file(churn_csv, _config(), retry, key="job")
    assert _started(retry) == {"report"}
    assert _same_report(_one_deep_model(resumed), _one_deep_model(report))
    assert resumed["timings"] == report["timings"] and resumed["cpu_timings"] == report["cpu_timings"]
    assert len(retry.looks) == 1

    # Crashed after the deep model: the later stages run on the old dicts and give the same numbers.
    earlier = {
        k: v for k, v in saved.items() if k in ("profile", "split", "checks", "baselines", "deep_model")
    }
    partial = InMemoryStore(stages=pickle.loads(pickle.dumps(earlier)))
    again = assess_file(churn_csv, _config(), partial, key="other-job")
    assert _started(partial) == {"validation", "label_noise", "learning_curve", "test_look", "report"}
    assert _same_report(_one_deep_model(again), _one_deep_model(report))


def test_upgrade_leaves_other_stages_and_typed_records_alone() -> None:
    profile = {"dataset": {"rows": 3}, "_seconds": 0.1}
    assert upgrade("profile", profile) is profile
    deep = DeepOutput(model=None, skipped=True)
    assert upgrade("deep_model", deep) is deep
    skipped = upgrade(
        "learning_curve",
        {
            "skipped": True,
            "reason": "off",
            "models": [],
            "evidence": None,
            "sentences": ["off"],
            "_seconds": 0.5,
            "_cpu_seconds": 0.4,
        },
    )
    assert skipped == LearningCurveOutput(
        skipped=True, reason="off", sentences=["off"], seconds=0.5, cpu_seconds=0.4
    )
    assert skipped.section() is None


def test_the_assessments_deep_model_is_the_experiments(churn_csv: Path) -> None:
    """One fitter: an experiment with the assessment's deep hyperparameters and seed measures the very
    validation ROC-AUC the assessment reports for its deep model."""
    report = assess_file(churn_csv, _config(learning_curve=False), InMemoryStore())
    deep = next(m for m in report["models"] if m["family"] == "deep")
    data = prepare_experiment_data(churn_csv, target="churned", seed=SEED)
    result = run_experiment(data, DEEP, FAST_DEEP, seed=SEED, device="cpu")
    assert result.validation["roc_auc"] == pytest.approx(deep["validation"]["roc_auc"], abs=1e-9)
    assert result.details["best_epoch"] == deep["diagnostics"]["best_epoch"]


def _flat_failure() -> FittedModel | DeepFailure:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"flat": np.ones(200)})  # nothing tells the rows apart
    y = rng.permutation(np.repeat([0, 1], 100))
    return try_fit_deep(
        frame[:150], y[:150], frame[150:], y[150:], {"max_epochs": 2}, random_state=1, device="cpu"
    )


def test_a_failed_overfit_check_is_a_failure_with_its_diagnostics() -> None:
    failure = _flat_failure()
    assert isinstance(failure, DeepFailure)
    assert "could not fit" in failure.error and failure.device == "cpu" and failure.fit_seconds > 0
    assert failure.diagnostics["overfit_check"]["passed"] is False


@pytest.mark.parametrize("saved_as", ["record", "dict saved before"])
def test_a_failed_deep_model_is_reported_as_failed(
    churn_csv: Path, finished: tuple[dict[str, Any], InMemoryStore], saved_as: str
) -> None:
    """The split keeps rows with identical features together, so a table that fails the overfit check
    cannot get this far: the job resumes after a deep stage that saved a real failure."""
    _, store = finished
    failure = _flat_failure()
    assert isinstance(failure, DeepFailure)
    deep = DeepOutput(
        model=None,
        error=failure.error,
        diagnostics=failure.diagnostics,
        fit_seconds=failure.fit_seconds,
        device=failure.device,
        seconds=1.0,
        cpu_seconds=1.0,
    )
    saved_deep: Any = deep if saved_as == "record" else _as_saved_before("deep_model", deep)
    earlier = {k: v for k, v in store.stages.items() if k in ("profile", "split", "checks", "baselines")}
    resumed = InMemoryStore(stages=pickle.loads(pickle.dumps({**earlier, "deep_model": saved_deep})))
    report = assess_file(churn_csv, _config(), resumed, key="failed-deep")
    entry = report["models"][-1]
    assert entry["name"] == "ResNet MLP" and entry["status"] == "failed" and entry["error"] == failure.error
    assert entry["device"] == "cpu" and entry["fit_seconds"] == failure.fit_seconds
    assert entry["diagnostics"]["overfit_check"]["passed"] is False
    assert report["comparison"]["deep"] is None
    assert [m["role"] for m in report["learning_curves"]["models"]] == ["best_baseline"]
    assert report["verdict"]["code"] == "fix_data_first"
