"""Stages that train: the baselines first, then the deep model."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from workers.assessment.context import AssessmentContext
from workers.baselines import FittedModel, fit_baselines
from workers.deep.device import resolve_device
from workers.deep.trainer import ResNetMLPClassifier
from workers.errors import OverfitCheckFailed
from workers.evaluation import validation_metrics
from workers.experiments.families import BASELINE_FAMILIES, FAMILY_LABELS
from workers.features import make_preprocessor

DEEP_MODEL_NAME = "ResNet MLP"
BASELINE_LABELS = [FAMILY_LABELS[family] for family in BASELINE_FAMILIES]  # the order they are fitted in


def baselines_stage(ctx: AssessmentContext) -> dict[str, Any]:
    frame, y = ctx.train
    val_frame, y_val = ctx.validation
    xgb_device = resolve_device(ctx.config.device).type
    fitted: list[dict[str, Any]] = []

    def on_fitted(model: FittedModel) -> None:
        # Every fitted baseline so far, with its validation AUC: the number the deep model has to beat,
        # shown as soon as it exists (a progress reader may miss an intermediate update, not a result).
        auc = validation_metrics(y_val, model.predict_proba(val_frame))["roc_auc"]
        fitted.append({"name": model.name, "seconds": model.fit_seconds, "val_roc_auc": auc})
        fitting = BASELINE_LABELS[len(fitted)] if len(fitted) < len(BASELINE_LABELS) else None
        ctx.store.progress("baselines", len(fitted) / 3, {"fitted": list(fitted), "fitting": fitting})

    ctx.store.progress("baselines", 0.0, {"fitted": [], "fitting": BASELINE_LABELS[0]})

    models = fit_baselines(
        frame,
        y,
        val_frame,
        y_val,
        random_state=ctx.config.seed % (2**31),
        n_jobs=ctx.config.n_jobs,
        xgb_device=xgb_device,
        on_fitted=on_fitted,
    )
    val_proba = {m.name: m.predict_proba(val_frame) for m in models}
    val_roc_auc = {name: validation_metrics(y_val, proba)["roc_auc"] for name, proba in val_proba.items()}
    return {"models": models, "val_proba": val_proba, "val_roc_auc": val_roc_auc}


def deep_stage(ctx: AssessmentContext) -> dict[str, Any]:
    if not ctx.config.run_deep:
        return {"model": None, "error": None, "skipped": True, "diagnostics": {}, "val_proba": None}
    frame, y = ctx.train
    val_frame, y_val = ctx.validation
    prepare = make_preprocessor(frame, "deep", random_state=ctx.config.seed % (2**31)).fit(frame, y)
    x_train = prepare.transform(frame).astype(np.float32)
    x_val = prepare.transform(val_frame).astype(np.float32)
    params = {
        "device": ctx.config.device,
        "random_state": ctx.config.seed % (2**31),
        **ctx.config.deep_params,
    }
    estimator = ResNetMLPClassifier(**params)
    max_epochs = estimator.max_epochs

    def on_epoch(record: dict[str, Any]) -> None:
        # The cap goes with each epoch ("epoch 7 of ≤60"): early stopping may end it sooner.
        ctx.store.progress(
            "deep_model", min(1.0, record["epoch"] / max_epochs), {**record, "max_epochs": max_epochs}
        )

    start = time.perf_counter()
    try:
        estimator.fit(
            x_train, y, X_val=x_val, y_val=y_val, on_epoch=on_epoch, should_stop=ctx.store.should_stop
        )
    except OverfitCheckFailed as failure:
        # The report shows the failed check prominently; the verdict becomes "fix the data first".
        return {
            "model": None,
            "error": failure.detail,
            "skipped": False,
            "diagnostics": getattr(failure, "diagnostics", {}) or {},
            "val_proba": None,
            "fit_seconds": time.perf_counter() - start,
            "device": str(resolve_device(ctx.config.device)),
        }
    model = FittedModel(
        name=DEEP_MODEL_NAME,
        family="deep",
        estimator=Pipeline([("prepare", prepare), ("model", estimator)]),
        fit_seconds=time.perf_counter() - start,
        device=estimator.device_.type,
        params=estimator.get_params(),
        diagnostics=estimator.diagnostics_,
    )
    return {
        "model": model,
        "error": None,
        "skipped": False,
        "diagnostics": estimator.diagnostics_,
        "val_proba": model.predict_proba(val_frame),
    }
