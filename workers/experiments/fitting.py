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
from workers.data.images.image_set import geometry_of
from workers.deep.device import resolve_device
from workers.deep.image_trainer import CNNClassifier, PixelScaler
from workers.deep.loop import ShouldStop
from workers.deep.tabm_trainer import TabMClassifier
from workers.deep.trainer import OnEpoch, ResNetMLPClassifier
from workers.deep.transfer_trainer import TransferClassifier
from workers.errors import AssessmentCancelled, OverfitCheckFailed
from workers.experiments.families import (
    DEEP,
    FAMILY_LABELS,
    TABM,
    complete_hyperparameters,
    hyperparameters_of,
)
from workers.families import (
    ALL_DEEP_FAMILIES,
    CNN,
    IMAGE_DEEP_FAMILIES,
    check_family_fits,
    resolve_image_hyperparameters,
    resolve_tabm_hyperparameters,
    tabm_profile,
)
from workers.features import make_preprocessor

# The trainer's settings that are not hyperparameters: an assessment's deep_params may set them.
TRAINER_OPTIONS = frozenset(
    {"validation_fraction", "device", "mixed_precision", "random_state", "overfit_check", "time_budget_s"}
)


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
    check_family_fits(family, "images" if geometry_of(frame.columns) is not None else "table")
    if should_stop is not None and should_stop():
        raise AssessmentCancelled(f"The {FAMILY_LABELS[family]} experiment was cancelled before training.")
    if family in ALL_DEEP_FAMILIES:
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
            family=family,
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
    family: str = DEEP,
) -> FittedModel:
    """The deep model of `family` (the ResNet-MLP or TabM) fitted on `frame, y`, stopping early on
    `val_frame, y_val`. `trainer_options` are the trainer's settings that are not hyperparameters
    (`overfit_check`, `time_budget_s`; see `split_deep_params`). TabM's hyperparameters left at None take the
    profile of the device it runs on (`workers.families.TABM_PROFILES`). Raises `OverfitCheckFailed` (with
    the trainer's `diagnostics` on it) when it cannot fit a handful of rows, `AssessmentCancelled` when
    `should_stop()` turns true at a batch boundary."""
    hp = complete_hyperparameters(family, hyperparameters)
    if family in IMAGE_DEEP_FAMILIES:
        return _fit_image_deep(
            family,
            frame,
            y,
            val_frame,
            y_val,
            hp,
            random_state=random_state,
            device=device,
            should_stop=should_stop,
            on_epoch=on_epoch,
            trainer_options=trainer_options,
        )
    start = time.perf_counter()
    prepare = make_preprocessor(frame, "deep", random_state=random_state).fit(frame, y)
    x_train = prepare.transform(frame).astype(np.float32)
    x_val = prepare.transform(val_frame).astype(np.float32)
    # An option may override the device or the seed, as an assessment's deep_params always could.
    settings = {"device": device, "random_state": random_state, **(trainer_options or {})}
    estimator: ResNetMLPClassifier
    profile = None
    if family == TABM:
        device_type = resolve_device(settings["device"]).type
        profile = tabm_profile(device_type)
        estimator = TabMClassifier(
            **{**resolve_tabm_hyperparameters(hp, device_type, len(frame)), **settings}
        )
    else:
        estimator = ResNetMLPClassifier(**hp, **settings)
    estimator.fit(x_train, y, X_val=x_val, y_val=y_val, on_epoch=on_epoch, should_stop=should_stop)
    diagnostics = estimator.diagnostics_
    if profile is not None:
        diagnostics["profile"] = profile
    return FittedModel(
        name=FAMILY_LABELS[family],
        family="deep",
        estimator=Pipeline([("prepare", prepare), ("model", estimator)]),
        fit_seconds=time.perf_counter() - start,
        device=estimator.device_.type,
        params=estimator.get_params(),
        diagnostics=diagnostics,
    )


def _fit_image_deep(
    family: str,
    frame: pd.DataFrame,
    y: np.ndarray,
    val_frame: pd.DataFrame,
    y_val: np.ndarray,
    hp: Mapping[str, Any],
    *,
    random_state: int,
    device: str,
    should_stop: ShouldStop | None,
    on_epoch: OnEpoch | None,
    trainer_options: Mapping[str, Any] | None,
) -> FittedModel:
    """The CNN or the transfer model on a pixel frame: the pixels scaled in the pipeline (`PixelScaler`:
    per-channel standardisation from the training rows for the CNN, the pretrained weights' fixed scaling
    for the transfer model), the geometry read from the column names, the values left at None taken from
    the device's profile (`workers.families.IMAGE_PROFILES`)."""
    geometry = geometry_of(frame.columns)
    if geometry is None:  # fit_family checks this; fit_deep's own callers pass the assessment's frames
        check_family_fits(family, "table")
    assert geometry is not None
    start = time.perf_counter()
    settings = {"device": device, "random_state": random_state, **(trainer_options or {})}
    device_type = resolve_device(settings["device"]).type
    resolved = resolve_image_hyperparameters(family, hp, device_type)
    shape: dict[str, Any] = {"channels": geometry.channels, "image_size": geometry.size}
    estimator: ResNetMLPClassifier
    if family == CNN:
        prepare = PixelScaler("standardise").fit(frame)
        estimator = CNNClassifier(**{**shape, **resolved, **settings})
    else:
        prepare = PixelScaler("efficientnet").fit(frame)
        estimator = TransferClassifier(**{**shape, **resolved, **settings})
    estimator.fit(
        prepare.transform(frame),
        y,
        X_val=prepare.transform(val_frame),
        y_val=y_val,
        on_epoch=on_epoch,
        should_stop=should_stop,
    )
    diagnostics = estimator.diagnostics_
    diagnostics["profile"] = tabm_profile(device_type)
    return FittedModel(
        name=FAMILY_LABELS[family],
        family="deep",
        estimator=Pipeline([("prepare", prepare), ("model", estimator)]),
        fit_seconds=time.perf_counter() - start,
        device=estimator.device_.type,
        params=estimator.get_params(),
        diagnostics=diagnostics,
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
    family: str = DEEP,
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
            family=family,
        )
    except OverfitCheckFailed as failure:
        return DeepFailure(
            error=failure.detail,
            diagnostics=getattr(failure, "diagnostics", None) or {},
            fit_seconds=time.perf_counter() - start,
            device=str(resolve_device(device)),
        )


def split_deep_params(params: Mapping[str, Any], family: str = DEEP) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assessment's `deep_params` for `family`: (its hyperparameters, completed with their defaults;
    trainer options).

    `deep_params` serve every deep family: each takes the names it has (max_epochs, patience, lr, ...).
    The options are the trainer's settings that are not hyperparameters (`overfit_check`, `time_budget_s`
    for the ResNet-MLP, where TabM has it as a hyperparameter): an experiment cannot carry them, so the
    learning curve's points train without them. For the ResNet-MLP every other name is passed on as an
    option, as before, so an unknown one is still refused when it trains."""
    names = {spec.name for spec in hyperparameters_of(family)}
    given = {name: value for name, value in params.items() if name in names}
    options = {
        name: value
        for name, value in params.items()
        if name not in names and (family == DEEP or name in TRAINER_OPTIONS)
    }
    if family == DEEP:
        # A TabM-only hyperparameter is not an unknown option for the ResNet-MLP.
        tabm_names = {spec.name for spec in hyperparameters_of(TABM)} - TRAINER_OPTIONS
        options = {name: value for name, value in options.items() if name not in tabm_names}
    return complete_hyperparameters(family, given), options
