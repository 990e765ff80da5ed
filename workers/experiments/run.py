"""Running one experiment: train a family on (a fraction of) the training split, measure it on validation.

`run_experiment` takes an `ExperimentData` or the four parts an assessment already holds, so the assessment's
learning-curve points and a journal's experiments are trained by the same code.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from workers.baselines import FittedModel
from workers.deep.device import resolve_device
from workers.deep.loop import ShouldStop
from workers.deep.trainer import OnEpoch
from workers.errors import InvalidOption, OverfitCheckFailed
from workers.evaluation import choose_threshold, validation_metrics
from workers.evaluation.curves import roc_points
from workers.experiments.families import XGBOOST, check_family, complete_hyperparameters
from workers.experiments.fitting import fit_family
from workers.experiments.subsample import check_seed, check_train_fraction, subsample_indices
from workers.families import ALL_DEEP_FAMILIES

JOURNAL_CURVE_POINTS = 50  # enough for a curve drawn 300 px wide; a journal row stays small

if TYPE_CHECKING:
    from workers.experiments.data import ExperimentData

Parts = tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]  # train frame, y, validation frame, y


@dataclass
class ExperimentResult:
    """What one experiment measured. `to_json()` is everything but `val_proba` and `model`.

    `validation`: `workers.evaluation.validation_metrics` (roc_auc, pr_auc, log_loss and brier or accuracy)
    plus precision, recall and f1 — binary: at the threshold that maximises F1 on validation (also given,
    as `threshold`; optimistic, as it is chosen on these rows), multiclass: macro averages of the argmax.
    `train_roc_auc`: on the rows it trained on (for Thresholdout). `failed`/`error`: the deep model's overfit
    check failed (`details["overfit_check"]` says how); then `validation` is empty and the AUCs are None.
    """

    family: str
    hyperparameters: dict[str, Any]
    train_fraction: float
    seed: int
    n_train: int
    n_validation: int
    validation: dict[str, float]
    train_roc_auc: float | None
    fit_seconds: float
    device: str
    details: dict[str, Any]
    failed: bool = False
    error: str | None = None
    # The validation ROC curve of a two-class target, thinned ({"fpr", "tpr"}): the journal overlays runs' curves.
    validation_roc: dict[str, list[float]] | None = None
    val_proba: np.ndarray | None = field(default=None, repr=False)  # (n_validation, n_classes)
    model: FittedModel | None = field(default=None, repr=False)  # predicts on model frames

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "hyperparameters": dict(self.hyperparameters),
            "train_fraction": self.train_fraction,
            "seed": self.seed,
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "validation": dict(self.validation),
            "validation_roc": self.validation_roc,
            "train_roc_auc": self.train_roc_auc,
            "fit_seconds": self.fit_seconds,
            "device": self.device,
            "details": self.details,
            "failed": self.failed,
            "error": self.error,
        }


def run_experiment(
    data: ExperimentData | Parts,
    family: str,
    hyperparameters: Mapping[str, Any] | None = None,
    *,
    seed: int,
    train_fraction: float = 1.0,
    device: str = "auto",
    n_jobs: int = -1,
    should_stop: ShouldStop | None = None,
    on_epoch: OnEpoch | None = None,
) -> ExperimentResult:
    """Train `family` with `hyperparameters` (missing ones at their defaults) and measure it on validation.

    `data`: an `ExperimentData`, or `(train_frame, y_train, validation_frame, y_validation)` (model frames
    and class indices). `train_fraction < 1` trains on a stratified subsample of the training rows drawn from
    `seed` (nested: a smaller fraction's rows lie inside a larger one's). `seed` also seeds the model, as an
    assessment's split seed does, so defaults at the assessment's seed reproduce its models.

    A failed deep-model overfit check is a result (`failed=True`), not an exception. Raises `InvalidOption`
    for a bad family, hyperparameter or option, `DataError` when the fraction leaves a class too few rows,
    `AssessmentCancelled` when `should_stop()` turns true.
    """
    family = check_family(family)
    hp = complete_hyperparameters(family, hyperparameters)
    seed = check_seed(seed)
    train_fraction = check_train_fraction(train_fraction)
    frame, y, val_frame, y_val = _parts(data)
    class_names = getattr(getattr(data, "dataset", None), "classes", None)  # names classes in errors
    rows = subsample_indices(y, train_fraction, seed=seed, class_names=class_names)
    if len(rows) < len(y):
        frame, y = frame.iloc[rows], y[rows]
    result = ExperimentResult(
        family=family,
        hyperparameters=hp,
        train_fraction=train_fraction,
        seed=seed,
        n_train=len(y),
        n_validation=len(y_val),
        validation={},
        train_roc_auc=None,
        fit_seconds=0.0,
        device=resolve_device(device).type if family in (*ALL_DEEP_FAMILIES, XGBOOST) else "cpu",
        details={},
    )
    start = time.perf_counter()
    try:
        model = fit_family(
            family,
            frame,
            y,
            val_frame,
            y_val,
            hp,
            random_state=seed % (2**31),  # what the assessment hands its models for the same seed
            device=device,
            n_jobs=n_jobs,
            should_stop=should_stop,
            on_epoch=on_epoch,
        )
    except OverfitCheckFailed as failure:
        result.fit_seconds = time.perf_counter() - start
        result.failed, result.error = True, failure.detail
        result.details = _deep_details(getattr(failure, "diagnostics", None) or {})
        return result
    result.fit_seconds = model.fit_seconds
    result.device = model.device
    result.model = model
    result.details = _deep_details(model.diagnostics) if family in ALL_DEEP_FAMILIES else dict(model.diagnostics)
    result.val_proba = model.predict_proba(val_frame)
    result.validation = _validation_metrics(y_val, result.val_proba)
    if result.val_proba.shape[1] == 2:
        result.validation_roc = roc_points(y_val, result.val_proba[:, 1], max_points=JOURNAL_CURVE_POINTS)
    result.train_roc_auc = validation_metrics(y, model.predict_proba(frame))["roc_auc"]
    return result


def _parts(data: Any) -> Parts:
    if isinstance(data, tuple):
        if len(data) != 4:
            raise InvalidOption(
                f"Pass an ExperimentData or (train_frame, y_train, validation_frame, y_validation); got a "
                f"tuple of {len(data)}."
            )
        frame, y, val_frame, y_val = data
    else:
        frame, y, val_frame, y_val = data.train_frame, data.y_train, data.validation_frame, data.y_validation
    y, y_val = np.asarray(y), np.asarray(y_val)
    for name, part, labels in (("train", frame, y), ("validation", val_frame, y_val)):
        if not isinstance(part, pd.DataFrame) or len(part) != len(labels) or len(labels) == 0:
            raise InvalidOption(f"The {name} part needs a non-empty model frame and one label per row.")
    return frame, y, val_frame, y_val


def _validation_metrics(y_val: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    metrics = validation_metrics(y_val, proba)
    if proba.shape[1] == 2:
        choice = choose_threshold(y_val, proba[:, 1])
        metrics.update(threshold=choice.threshold, **choice.achieved)
    else:
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_val, proba.argmax(axis=1), labels=np.arange(proba.shape[1]), average="macro", zero_division=0
        )
        metrics.update(precision=float(precision), recall=float(recall), f1=float(f1))
    return metrics


def _deep_details(diagnostics: Mapping[str, Any]) -> dict[str, Any]:
    """The deep model's diagnostics a journal entry shows: the learning rate and where it came from, the
    best epoch, why training stopped, the overfit check and the loss per epoch (the LR sweep and gradient
    norms stay with the fitted model)."""
    sweep = diagnostics.get("lr_range_test") or {}
    epochs = diagnostics.get("epochs")
    return {
        "best_epoch": diagnostics.get("best_epoch"),
        "lr": diagnostics.get("lr"),
        "lr_from_range_test": None if not sweep else not sweep.get("skipped", False),
        "epochs_run": None if epochs is None else len(epochs),
        "stopped_early": diagnostics.get("stopped_early"),
        "stop_reason": diagnostics.get("stop_reason"),
        "overfit_check": diagnostics.get("overfit_check"),
        "n_parameters": diagnostics.get("n_parameters"),
        "mixed_precision": diagnostics.get("mixed_precision"),
        "train_rows_per_second": diagnostics.get("train_rows_per_second"),
        # TabM's and the image families': the device profile their None hyperparameters took, and the time
        # budget that may end training; the transfer model's kept phase and input size.
        **{
            key: diagnostics[key]
            for key in ("profile", "time_budget_s", "kept_phase", "input_size")
            if key in diagnostics
        },
        "epochs": epochs,
    }
