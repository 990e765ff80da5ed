"""Fitting one model family with given hyperparameters, the way the assessment fits it.

The baselines go through `workers.baselines`; the deep model goes through `fit_deep`, the one place it is
preprocessed (a quantile transform fitted on the training rows), trained (early stopping on validation)
and wrapped as a pipeline. The assessment's deep stage calls it too (through `try_fit_deep`, which turns
a failed overfit check into a `DeepFailure` the report shows), so default hyperparameters reproduce the
assessment's models.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from workers.baselines import FittedModel, fit_baseline
from workers.deep.device import resolve_device
from workers.deep.loop import ShouldStop
from workers.deep.trainer import OnEpoch, ResNetMLPClassifier
from workers.errors import AssessmentCancelled, OverfitCheckFailed
from workers.experiments.families import DEEP, FAMILY_LABELS, complete_hyperparameters, hyperparameters_of
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
    trainer_options: Mapping[str, Any] | None = None,
) -> FittedModel:
    """The deep model fitted on `frame, y`, stopping early on `val_frame, y_val`. `trainer_options` are the
    trainer's settings that are not hyperparameters (`overfit_check`, `time_budget_s`; see
    `split_deep_params`). Raises `OverfitCheckFailed` (with the trainer's `diagnostics` on it) when it cannot
    fit a handful of rows, `AssessmentCancelled` when `should_stop()` turns true at a batch boundary."""
    hp = complete_hyperparameters(DEEP, hyperparameters)
    start = time.perf_counter()
    prepare = make_preprocessor(frame, "deep", random_state=random_state).fit(frame, y)
    x_train = prepare.transform(frame).astype(np.float32)
    x_val = prepare.transform(val_frame).astype(np.float32)
    # An option may override the device or the seed, as an assessment's deep_params always could.
    settings = {"device": device, "random_state": random_state, **(trainer_options or {})}
    estimator = ResNetMLPClassifier(**hp, **settings)
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


@dataclass(frozen=True)
class DeepFailure:
    """The deep model's overfit check failed: the pipeline or the labels are broken. What the report shows."""

    error: str  # the check's message
    # What the trainer knew when the check failed, the failed check included.
    diagnostics: dict[str, Any] = field(default_factory=dict)
    fit_seconds: float = 0.0
    device: str = "cpu"  # where it ran, as torch names the device


def try_fit_deep(
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
    trainer_options: Mapping[str, Any] | None = None,
) -> FittedModel | DeepFailure:
    """`fit_deep`, with a failed overfit check as a `DeepFailure` instead of an exception: for the
    assessment, whose report and verdict ("fix the data first") are built on the failure."""
    start = time.perf_counter()
    try:
        return fit_deep(
            frame,
            y,
            val_frame,
            y_val,
            hyperparameters,
            random_state=random_state,
            device=device,
            should_stop=should_stop,
            on_epoch=on_epoch,
            trainer_options=trainer_options,
        )
    except OverfitCheckFailed as failure:
        return DeepFailure(
            error=failure.detail,
            diagnostics=getattr(failure, "diagnostics", None) or {},
            fit_seconds=time.perf_counter() - start,
            device=str(resolve_device(device)),
        )


def split_deep_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assessment's `deep_params` as (hyperparameters, completed with their defaults; trainer options).

    The options are the trainer's settings that are not hyperparameters (`overfit_check`, `time_budget_s`):
    an experiment cannot carry them, so the learning curve's points train without them."""
    names = {spec.name for spec in hyperparameters_of(DEEP)}
    given = {name: value for name, value in params.items() if name in names}
    options = {name: value for name, value in params.items() if name not in names}
    return complete_hyperparameters(DEEP, given), options
