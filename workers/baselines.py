"""The simple models that run first: logistic regression, random forest and XGBoost.

Each is a scikit-learn estimator over the raw model frame (preprocessing inside), so the evaluation code
treats baselines and the deep model alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from xgboost import XGBClassifier

from workers.features import make_preprocessor

LOGISTIC_MAX_ITER = 2000
FOREST_TREES = 150
# Each tree sees at most this many rows, and leaves hold at least two: on the 100k-row benchmark this
# costs 0.005 validation AUC against 200 full trees on 40k rows, and saves 19 of 31 seconds on two cores.
FOREST_MAX_ROWS_PER_TREE = 20_000
FOREST_MIN_LEAF = 2
XGB_MAX_ROUNDS = 2000
XGB_EARLY_STOPPING_ROUNDS = 50
XGB_LEARNING_RATE = 0.1


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


def _logistic(frame: pd.DataFrame, y: np.ndarray, random_state: int) -> tuple[Pipeline, dict]:
    model = LogisticRegression(max_iter=LOGISTIC_MAX_ITER, C=1.0, random_state=random_state)
    pipeline = Pipeline([("prepare", make_preprocessor(frame, "linear")), ("model", model)])
    pipeline.fit(frame, y)
    return pipeline, {"iterations": int(np.max(model.n_iter_))}


def _forest(frame: pd.DataFrame, y: np.ndarray, random_state: int, n_jobs: int) -> tuple[Pipeline, dict]:
    max_samples = min(1.0, FOREST_MAX_ROWS_PER_TREE / len(y))
    model = RandomForestClassifier(
        n_estimators=FOREST_TREES,
        max_features="sqrt",
        min_samples_leaf=FOREST_MIN_LEAF,
        max_samples=max_samples if max_samples < 1.0 else None,
        n_jobs=n_jobs,
        random_state=random_state,
    )
    pipeline = Pipeline([("prepare", make_preprocessor(frame, "tree")), ("model", model)])
    pipeline.fit(frame, y)
    return pipeline, {"trees": FOREST_TREES, "max_samples": max_samples}


def _xgboost(
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    random_state: int,
    n_jobs: int,
    device: str,
) -> tuple[Pipeline, dict]:
    prepare = make_preprocessor(frame, "tree").fit(frame, y)
    n_classes = int(max(y.max(), y_val.max())) + 1
    model = XGBClassifier(
        n_estimators=XGB_MAX_ROUNDS,
        learning_rate=XGB_LEARNING_RATE,
        max_depth=6,
        subsample=0.9,
        colsample_bytree=0.9,
        tree_method="hist",
        device=device,
        early_stopping_rounds=XGB_EARLY_STOPPING_ROUNDS,
        eval_metric="logloss" if n_classes == 2 else "mlogloss",
        random_state=random_state,
        n_jobs=n_jobs,
    )
    # Early stopping watches validation loss: the validation split is for model selection, test is not.
    model.fit(prepare.transform(frame), y, eval_set=[(prepare.transform(val_frame), y_val)], verbose=False)
    pipeline = Pipeline([("prepare", prepare), ("model", model)])
    return pipeline, {"best_iteration": int(model.best_iteration), "max_rounds": XGB_MAX_ROUNDS}


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
    """Fit the three baselines on the training split (XGBoost stops early on validation)."""
    recipes: list[tuple[str, Callable[[], tuple[Pipeline, dict]], str]] = [
        ("Logistic regression", lambda: _logistic(frame, y, random_state), "cpu"),
        ("Random forest", lambda: _forest(frame, y, random_state, n_jobs), "cpu"),
        (
            "XGBoost",
            lambda: _xgboost(frame, y, val_frame, y_val, random_state, n_jobs, xgb_device),
            xgb_device,
        ),
    ]
    fitted: list[FittedModel] = []
    for name, fit, device in recipes:
        start = time.perf_counter()
        estimator, diagnostics = fit()
        model = FittedModel(
            name=name,
            family="baseline",
            estimator=estimator,
            fit_seconds=time.perf_counter() - start,
            device=device,
            params=estimator.named_steps["model"].get_params(),
            diagnostics=diagnostics,
        )
        fitted.append(model)
        if on_fitted is not None:
            on_fitted(model)
    return fitted
