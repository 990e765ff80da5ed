"""Model families: the defaults are the assessment's models, and bad hyperparameters say what is accepted."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from workers.baselines import fit_baseline
from workers.deep.trainer import ResNetMLPClassifier
from workers.errors import InvalidOption, UnknownModelFamily
from workers.experiments.families import (
    FAMILIES,
    FAMILY_LABELS,
    complete_hyperparameters,
    default_hyperparameters,
    hyperparameters_of,
)


def test_seven_families_with_the_assessments_display_names() -> None:
    assert FAMILIES == ("logistic_regression", "random_forest", "xgboost", "deep", "tabm", "cnn", "transfer")
    assert [FAMILY_LABELS[f] for f in FAMILIES] == [
        "Logistic regression",
        "Random forest",
        "XGBoost",
        "ResNet MLP",
        "TabM",
        "CNN (from scratch)",
        "EfficientNet-Lite0 (transfer)",
    ]


def test_baseline_defaults_are_what_the_assessment_fits() -> None:
    assert default_hyperparameters("logistic_regression") == {"C": 1.0, "max_iter": 2000}
    assert default_hyperparameters("random_forest") == {
        "n_estimators": 150,
        "max_features": "sqrt",
        "min_samples_leaf": 2,
        "max_depth": None,
        "max_rows_per_tree": 20_000,
    }
    assert default_hyperparameters("xgboost") == {
        "n_estimators": 2000,
        "early_stopping_rounds": 50,
        "learning_rate": 0.1,
        "max_depth": 6,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
    }


def test_deep_defaults_are_the_trainers_constructor_defaults() -> None:
    signature = inspect.signature(ResNetMLPClassifier.__init__).parameters
    defaults = default_hyperparameters("deep")
    assert defaults == {name: signature[name].default for name in defaults}
    assert defaults["lr"] is None  # the LR range test picks it


def test_baseline_fit_uses_the_given_hyperparameters() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    y = (frame["a"] + rng.normal(scale=0.5, size=120) > 0).astype(np.int64).to_numpy()
    model = fit_baseline(
        "random_forest", frame, y, frame, y, {"n_estimators": 7, "max_features": 0.5}, n_jobs=1
    )
    forest = model.estimator.named_steps["model"]
    assert (forest.n_estimators, forest.max_features, forest.min_samples_leaf) == (7, 0.5, 2)
    assert model.name == "Random forest" and model.diagnostics["trees"] == 7


def test_values_take_their_canonical_type() -> None:
    assert complete_hyperparameters("logistic_regression", {"C": 1}) == complete_hyperparameters(
        "logistic_regression", {"C": 1.0}
    )
    assert isinstance(complete_hyperparameters("logistic_regression", {"C": 1})["C"], float)
    completed = complete_hyperparameters("xgboost", {"max_depth": 4.0, "learning_rate": "1e-2"})
    assert completed["max_depth"] == 4 and isinstance(completed["max_depth"], int)
    assert completed["learning_rate"] == 0.01  # YAML reads 1e-2 as a string
    assert complete_hyperparameters("deep", {"batch_size": np.int64(64)})["batch_size"] == 64


def test_d_hidden_follows_d_main_unless_given() -> None:
    assert complete_hyperparameters("deep", {"d_main": 64})["d_hidden"] == 128
    assert complete_hyperparameters("deep", {"d_main": 64, "d_hidden": 100})["d_hidden"] == 100


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(InvalidOption) as caught:
        complete_hyperparameters("random_forest", {"min_sample_leaf": 10})
    message = caught.value.detail
    assert "'min_sample_leaf'" in message and "did you mean 'min_samples_leaf'" in message
    for parameter in hyperparameters_of("random_forest"):
        assert parameter.name in message


@pytest.mark.parametrize(
    ("family", "given", "expected"),
    [
        ("logistic_regression", {"C": 0}, "C must be a number in (0, 1000000]"),
        ("logistic_regression", {"C": float("nan")}, "C must be"),
        ("xgboost", {"max_depth": 2.5}, "max_depth must be an integer in [1, 32]"),
        ("xgboost", {"subsample": 1.5}, "subsample must be a number in (0, 1]"),
        ("random_forest", {"max_features": "all"}, "'sqrt', 'log2' or a number in (0, 1]"),
        ("deep", {"batch_size": 1}, "batch_size must be an integer in [2,"),
        ("deep", {"n_blocks": True}, "n_blocks must be"),
        ("deep", {"dropout": None}, "dropout must be"),
        ("deep", {"lr": 0}, "lr must be a number in (0, 10] or None"),
    ],
)
def test_out_of_range_values_are_refused(family: str, given: dict, expected: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        complete_hyperparameters(family, given)
    assert expected in caught.value.detail
    assert caught.value.detail.startswith(f"{family} hyperparameter")


def test_unknown_family_has_its_own_code() -> None:
    with pytest.raises(UnknownModelFamily) as caught:
        default_hyperparameters("xgb")
    assert caught.value.code == "unknown_model_family"
    assert "logistic_regression, random_forest, xgboost, deep" in caught.value.detail
    assert isinstance(caught.value, InvalidOption)  # callers catching InvalidOption still catch it


def test_hyperparameters_must_be_a_mapping() -> None:
    with pytest.raises(InvalidOption, match="must be a mapping"):
        complete_hyperparameters("deep", [("lr", 0.1)])  # type: ignore[arg-type]
