"""Fitting one model family with given hyperparameters, the way the assessment fits it.

The baselines go through `workers.baselines`; the deep model is preprocessed and trained as the
assessment's deep stage does (a quantile transform fitted on the training rows, early stopping on
validation), so default hyperparameters reproduce the assessment's models.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from workers.baselines import FittedModel, fit_baseline
from workers.deep.device import resolve_device
from workers.deep.loop import ShouldStop
from workers.deep.trainer import OnEpoch, ResNetMLPClassifier
from workers.errors import AssessmentCancelled
from workers.experiments.families import DEEP, FAMILY_LABELS, complete_hyperparameters
from workers.features import make_preprocessor


def fit_family(
    family: str,
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    hyperparameters: Mapping[str, Any] | None = None,
    *,
    random_state: int,
    device: str = "auto",
    n_jobs: int = -1,
    should_stop: ShouldStop | None = None,
    on_epoch: OnEpoch | None = None,
) -> FittedModel:
    """Fit `family` on `frame, y`; XGBoost and the deep model stop early on `val_frame, y_val`.

    Raises `OverfitCheckFailed` when the deep model cannot fit a handful of rows, `AssessmentCancelled`
    when `should_stop()` is true before training (or, for the deep model, at a batch boundary).
    """
    hp = complete_hyperparameters(family, hyperparameters)
    if should_stop is not None and should_stop():
        raise AssessmentCancelled(f"The {FAMILY_LABELS[family]} experiment was cancelled before training.")
    if family == DEEP:
        return fit_deep(
            frame,
            y,
            val_frame,
            y_val,
            hp,
            random_state=random_state,
            device=device,
            should_stop=should_stop,
            on_epoch=on_epoch,
        )
    # XGBoost runs where the deep model would; the linear model and the forest are CPU-only.
    return fit_baseline(
        family,
        frame,
        y,
        val_frame,
        y_val,
        hp,
        random_state=random_state,
        n_jobs=n_jobs,
        xgb_device=resolve_device(device).type,
    )


def fit_deep(
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    hyperparameters: Mapping[str, Any],
    *,
    random_state: int,
    device: str = "auto",
    should_stop: ShouldStop | None = None,
    on_epoch: OnEpoch | None = None,
) -> FittedModel:
    hp = complete_hyperparameters(DEEP, hyperparameters)
    start = time.perf_counter()
    prepare = make_preprocessor(frame, "deep", random_state=random_state).fit(frame, y)
    x_train = prepare.transform(frame).astype(np.float32)
    x_val = prepare.transform(val_frame).astype(np.float32)
    estimator = ResNetMLPClassifier(device=device, random_state=random_state, **hp)
    estimator.fit(x_train, y, X_val=x_val, y_val=y_val, on_epoch=on_epoch, should_stop=should_stop)
    return FittedModel(
        name=FAMILY_LABELS[DEEP],
        family="deep",
        estimator=Pipeline([("prepare", prepare), ("model", estimator)]),
        fit_seconds=time.perf_counter() - start,
        device=estimator.device_.type,
        params=estimator.get_params(),
        diagnostics=estimator.diagnostics_,
    )
