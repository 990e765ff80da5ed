"""Stages that train: the baselines first, then the deep model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.assessment.context import AssessmentContext
from workers.assessment.outputs import BaselinesOutput, DeepOutput
from workers.baselines import FittedModel, fit_baselines
from workers.deep.device import resolve_device
from workers.evaluation import validation_metrics
from workers.experiments.families import BASELINE_FAMILIES, DEEP, FAMILY_LABELS
from workers.experiments.fitting import DeepFailure, split_deep_params, try_fit_deep

DEEP_MODEL_NAME = FAMILY_LABELS[DEEP]  # "ResNet MLP": the name fit_deep gives the model
BASELINE_LABELS = [FAMILY_LABELS[family] for family in BASELINE_FAMILIES]  # the order they are fitted in


def baselines_stage(ctx: AssessmentContext) -> BaselinesOutput:
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
    return BaselinesOutput(models=models, val_proba=val_proba, val_roc_auc=val_roc_auc)


def deep_stage(ctx: AssessmentContext) -> DeepOutput:
    if not ctx.config.run_deep:
        return DeepOutput(model=None, skipped=True)
    frame, y = ctx.train
    val_frame, y_val = ctx.validation
    hyperparameters, options = split_deep_params(ctx.config.deep_params)
    max_epochs = hyperparameters["max_epochs"]

    def on_epoch(record: Mapping[str, Any]) -> None:
        # The cap goes with each epoch ("epoch 7 of ≤60"): early stopping may end it sooner.
        ctx.store.progress(
            "deep_model", min(1.0, record["epoch"] / max_epochs), {**record, "max_epochs": max_epochs}
        )

    fitted = try_fit_deep(
        frame,
        y,
        val_frame,
        y_val,
        hyperparameters,
        random_state=ctx.config.seed % (2**31),
        device=ctx.config.device,
        should_stop=ctx.store.should_stop,
        on_epoch=on_epoch,
        trainer_options=options,
    )
    if isinstance(fitted, DeepFailure):
        # The report shows the failed check prominently; the verdict becomes "fix the data first".
        return DeepOutput(
            model=None,
            error=fitted.error,
            diagnostics=fitted.diagnostics,
            fit_seconds=fitted.fit_seconds,
            device=fitted.device,
        )
    return DeepOutput(
        model=fitted,
        diagnostics=fitted.diagnostics,
        val_proba=fitted.predict_proba(val_frame),
        fit_seconds=fitted.fit_seconds,
        device=fitted.device,
    )
