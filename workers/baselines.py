"""The simple models that run first: logistic regression, random forest and XGBoost.

Each is a scikit-learn estimator over the raw model frame (preprocessing inside), so the evaluation code
treats baselines and the deep model alike. Their hyperparameters and defaults live in
`workers.families`: the assessment fits the defaults, an experiment any values it is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from xgboost import XGBClassifier

from workers.errors import InvalidOption
from workers.families import (
    BASELINE_FAMILIES,
    FAMILY_LABELS,
    LOGISTIC_REGRESSION,
    RANDOM_FOREST,
    XGBOOST,
    complete_hyperparameters,
)
from workers.features import make_preprocessor


@dataclass
class FittedModel:
    name: str
    family: str  # "baseline" | "deep"
    estimator: Any  # has predict_proba(model_frame) -> (n, n_classes)
    fit_seconds: float
    device: str = "cpu"
    params: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities as float64 rows that sum to one (XGBoost and autocast answer in float32)."""
        proba = np.asarray(self.estimator.predict_proba(frame), dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)


def fit_logistic(
    frame: pd.DataFrame, y: np.ndarray, hyperparameters: Mapping[str, Any], *, random_state: int
) -> tuple[Pipeline, dict]:
    hp = complete_hyperparameters(LOGISTIC_REGRESSION, hyperparameters)
    model = LogisticRegression(max_iter=hp["max_iter"], C=hp["C"], random_state=random_state)
    pipeline = Pipeline([("prepare", make_preprocessor(frame, "linear")), ("model", model)])
    pipeline.fit(frame, y)
    return pipeline, {"iterations": int(np.max(model.n_iter_))}


def fit_forest(
    frame: pd.DataFrame, y: np.ndarray, hyperparameters: Mapping[str, Any], *, random_state: int, n_jobs: int
) -> tuple[Pipeline, dict]:
    hp = complete_hyperparameters(RANDOM_FOREST, hyperparameters)
    max_samples = min(1.0, hp["max_rows_per_tree"] / len(y))
    model = RandomForestClassifier(
        n_estimators=hp["n_estimators"],
        max_features=hp["max_features"],
        min_samples_leaf=hp["min_samples_leaf"],
        max_depth=hp["max_depth"],
        max_samples=max_samples if max_samples < 1.0 else None,
        n_jobs=n_jobs,
        random_state=random_state,
    )
    pipeline = Pipeline([("prepare", make_preprocessor(frame, "tree")), ("model", model)])
    pipeline.fit(frame, y)
    return pipeline, {"trees": hp["n_estimators"], "max_samples": max_samples}


def fit_xgboost(
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    hyperparameters: Mapping[str, Any],
    *,
    random_state: int,
    n_jobs: int,
    device: str,
) -> tuple[Pipeline, dict]:
    hp = complete_hyperparameters(XGBOOST, hyperparameters)
    prepare = make_preprocessor(frame, "tree").fit(frame, y)
    n_classes = int(max(y.max(), y_val.max())) + 1
    model = XGBClassifier(
        n_estimators=hp["n_estimators"],
        learning_rate=hp["learning_rate"],
        max_depth=hp["max_depth"],
        subsample=hp["subsample"],
        colsample_bytree=hp["colsample_bytree"],
        tree_method="hist",
        device=device,
        early_stopping_rounds=hp["early_stopping_rounds"],
        eval_metric="logloss" if n_classes == 2 else "mlogloss",
        random_state=random_state,
        n_jobs=n_jobs,
    )
    # Early stopping watches validation loss: the validation split is for model selection, test is not.
    model.fit(prepare.transform(frame), y, eval_set=[(prepare.transform(val_frame), y_val)], verbose=False)
    pipeline = Pipeline([("prepare", prepare), ("model", model)])
    return pipeline, {"best_iteration": int(model.best_iteration), "max_rounds": hp["n_estimators"]}


def fit_baseline(
    family: str,
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    hyperparameters: Mapping[str, Any] | None = None,
    *,
    random_state: int = 0,
    n_jobs: int = -1,
    xgb_device: str = "cpu",
) -> FittedModel:
    """Fit one baseline family on the training rows (hyperparameters completed with the defaults)."""
    hp = complete_hyperparameters(family, hyperparameters)
    start = time.perf_counter()
    device = "cpu"
    if family == LOGISTIC_REGRESSION:
        estimator, diagnostics = fit_logistic(frame, y, hp, random_state=random_state)
    elif family == RANDOM_FOREST:
        estimator, diagnostics = fit_forest(frame, y, hp, random_state=random_state, n_jobs=n_jobs)
    elif family == XGBOOST:
        device = xgb_device
        estimator, diagnostics = fit_xgboost(
            frame, y, val_frame, y_val, hp, random_state=random_state, n_jobs=n_jobs, device=device
        )
    else:
        raise InvalidOption(
            f"{family} is not a baseline family; the baselines are {', '.join(BASELINE_FAMILIES)}."
        )
    return FittedModel(
        name=FAMILY_LABELS[family],
        family="baseline",
        estimator=estimator,
        fit_seconds=time.perf_counter() - start,
        device=device,
        params=estimator.named_steps["model"].get_params(),
        diagnostics=diagnostics,
    )


def fit_baselines(
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    *,
    random_state: int = 0,
    n_jobs: int = -1,
    xgb_device: str = "cpu",
    on_fitted: Callable[[FittedModel], None] | None = None,
) -> list[FittedModel]:
    """Fit the three baselines at their default hyperparameters on the training split (XGBoost stops
    early on validation)."""
    fitted: list[FittedModel] = []
    for family in BASELINE_FAMILIES:
        model = fit_baseline(
            family,
            frame,
            y,
            val_frame,
            y_val,
            random_state=random_state,
            n_jobs=n_jobs,
            xgb_device=xgb_device,
        )
        fitted.append(model)
        if on_fitted is not None:
            on_fitted(model)
    return fitted
