"""Running experiments: the assessment's data and models reproduced, fractions, the deep model, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.errors import AssessmentCancelled, DataError, InvalidOption, UnknownModelFamily
from workers.experiments.data import ExperimentData, prepare_experiment_data
from workers.experiments.families import BASELINE_FAMILIES, FAMILY_LABELS
from workers.experiments.run import run_experiment

SEED = 4242
TINY_DEEP = {"max_epochs": 2, "d_main": 16, "n_blocks": 1, "batch_size": 64}


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(churn_frame(400, seed=11), tmp_path_factory.mktemp("experiments"))


@pytest.fixture(scope="module")
def assessed(churn_csv: Path) -> InMemoryStore:
    store = InMemoryStore()
    config = AssessmentConfig(
        target="churned", seed=SEED, device="cpu", n_resamples=20, run_deep=False, n_jobs=1
    )
    assess_file(churn_csv, config, store)
    return store


@pytest.fixture(scope="module")
def data(churn_csv: Path) -> ExperimentData:
    return prepare_experiment_data(churn_csv, target="churned", seed=SEED)


def test_the_split_and_columns_are_the_assessments(data: ExperimentData, assessed: InMemoryStore) -> None:
    assert data.split_hash == assessed.stages["split"]["split"].split_id
    assert data.used_columns == assessed.stages["checks"]["used_columns"]
    assert data.excluded == assessed.stages["checks"]["excluded"]
    assert "customer_id" in data.excluded  # the ID column is left out as the checks say
    assert list(data.train_frame.columns) == data.used_columns
    assert (
        len(data.y_train) == data.split.sizes["train"]
        and len(data.y_validation) == data.split.sizes["validation"]
    )
    assert data.n_classes == 2 and data.split_seed == SEED


@pytest.mark.parametrize("family", BASELINE_FAMILIES)
def test_default_hyperparameters_reproduce_the_assessments_baselines(
    family: str, data: ExperimentData, assessed: InMemoryStore
) -> None:
    result = run_experiment(data, family, seed=SEED, device="cpu", n_jobs=1)
    expected = assessed.stages["baselines"].val_roc_auc[FAMILY_LABELS[family]]
    assert result.validation["roc_auc"] == pytest.approx(expected, abs=1e-9)
    assert not result.failed and result.device == "cpu"
    assert result.n_train == len(data.y_train) and result.n_validation == len(data.y_validation)
    assert 0.5 < result.train_roc_auc <= 1.0
    assert {"roc_auc", "pr_auc", "precision", "recall", "f1", "threshold", "log_loss"} <= set(
        result.validation
    )
    assert result.val_proba.shape == (len(data.y_validation), 2)


def test_plain_parts_give_the_same_result_as_experiment_data(data: ExperimentData) -> None:
    parts = (data.train_frame, data.y_train, data.validation_frame, data.y_validation)
    by_parts = run_experiment(parts, "xgboost", {"max_depth": 3}, seed=1, device="cpu", n_jobs=1)
    by_data = run_experiment(data, "xgboost", {"max_depth": 3}, seed=1, device="cpu", n_jobs=1)
    assert by_parts.validation == by_data.validation
    assert by_parts.details["best_iteration"] == by_data.details["best_iteration"]
    assert by_parts.hyperparameters["max_depth"] == 3 and by_parts.hyperparameters["learning_rate"] == 0.1


def test_a_training_fraction_trains_on_a_stratified_part(data: ExperimentData) -> None:
    result = run_experiment(data, "logistic_regression", seed=3, train_fraction=0.25)
    counts = np.bincount(data.y_train)
    assert result.n_train == sum(int(np.floor(0.25 * c + 0.5)) for c in counts)
    assert result.n_validation == len(data.y_validation)  # always measured on the whole validation split
    assert result.train_fraction == 0.25
    again = run_experiment(data, "logistic_regression", seed=3, train_fraction=0.25)
    assert again.validation == result.validation
    with pytest.raises(DataError, match="every class needs at least"):
        run_experiment(data, "logistic_regression", seed=3, train_fraction=0.01)


def test_result_json_is_plain_and_leaves_out_the_arrays(data: ExperimentData) -> None:
    result = run_experiment(data, "random_forest", {"n_estimators": 10}, seed=2, n_jobs=1)
    payload = json.loads(json.dumps(result.to_json()))
    assert "val_proba" not in payload and "model" not in payload
    assert payload["details"]["trees"] == 10 and payload["failed"] is False and payload["error"] is None
    assert payload["hyperparameters"]["min_samples_leaf"] == 2
    # The validation ROC curve, thinned, for the journal's side-by-side chart: from (0, 0) to (1, 1).
    roc = payload["validation_roc"]
    assert 2 <= len(roc["fpr"]) == len(roc["tpr"]) <= 50
    assert (roc["fpr"][0], roc["tpr"][0], roc["fpr"][-1], roc["tpr"][-1]) == (0.0, 0.0, 1.0, 1.0)


def test_a_tiny_deep_experiment_trains_and_reports(data: ExperimentData) -> None:
    epochs: list[dict[str, Any]] = []
    result = run_experiment(data, "deep", TINY_DEEP, seed=5, device="cpu", on_epoch=epochs.append)
    assert not result.failed
    assert 0.0 <= result.validation["roc_auc"] <= 1.0 and result.train_roc_auc is not None
    assert [e["epoch"] for e in epochs] == [1, 2]
    details = result.details
    assert details["epochs_run"] == 2 and details["best_epoch"] in (0, 1, 2)
    assert details["lr_from_range_test"] is True and details["lr"] > 0
    assert details["overfit_check"]["passed"] is True
    assert result.hyperparameters["d_hidden"] == 32  # 2 × d_main
    json.dumps(result.to_json())


def test_a_failed_overfit_check_is_a_failed_result() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"flat": np.ones(200)})  # nothing tells the rows apart
    y = rng.permutation(np.repeat([0, 1], 100))
    result = run_experiment(
        (frame[:150], y[:150], frame[150:], y[150:]), "deep", TINY_DEEP, seed=1, device="cpu"
    )
    assert result.failed and "could not fit" in result.error
    assert result.details["overfit_check"]["passed"] is False
    assert result.validation == {} and result.train_roc_auc is None and result.val_proba is None
    assert result.model is None
    json.dumps(result.to_json())


def test_bad_requests_raise(data: ExperimentData) -> None:
    with pytest.raises(UnknownModelFamily):
        run_experiment(data, "svm", seed=1)
    with pytest.raises(InvalidOption, match="tuple of 2"):
        run_experiment((data.train_frame, data.y_train), "xgboost", seed=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidOption, match="learning_rate"):
        run_experiment(data, "xgboost", {"learning_rate": 2}, seed=1)
    with pytest.raises(AssessmentCancelled):
        run_experiment(data, "logistic_regression", seed=1, should_stop=lambda: True)


def test_multiclass_metrics_are_macro_averages() -> None:
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], 60)
    frame = pd.DataFrame({"x": y + rng.normal(scale=0.8, size=180), "noise": rng.normal(size=180)})
    order = rng.permutation(180)
    frame, y = frame.iloc[order].reset_index(drop=True), y[order]
    result = run_experiment((frame[:120], y[:120], frame[120:], y[120:]), "logistic_regression", seed=1)
    assert {"roc_auc", "pr_auc", "accuracy", "precision", "recall", "f1"} <= set(result.validation)
    assert "threshold" not in result.validation
    assert result.validation["roc_auc"] > 0.8 and result.val_proba.shape == (60, 3)
