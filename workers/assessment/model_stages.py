"""Stages that train: the baselines first, then the deep model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workers.assessment.context import AssessmentContext
from workers.assessment.outputs import BaselinesOutput, DeepCandidate, DeepOutput
from workers.baselines import FittedModel, fit_baselines
from workers.deep.device import resolve_device
from workers.evaluation import validation_metrics
from workers.experiments.families import BASELINE_FAMILIES, DEEP, DEEP_FAMILIES, FAMILY_LABELS
from workers.experiments.fitting import DeepFailure, split_deep_params, try_fit_deep
from workers.families import deep_families_for

# "ResNet MLP": the name fit_deep gives the ResNet-MLP, and the deep model of reports from before TabM.
DEEP_MODEL_NAME = FAMILY_LABELS[DEEP]
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
    """Train every deep family of the dataset's modality (`DEEP_FAMILIES` for a table, the CNN and the
    transfer model for images: `deep_families_for`) and choose the one with the best validation ROC-AUC."""
    if not ctx.config.run_deep:
        return DeepOutput(model=None, skipped=True)
    families = deep_families_for(ctx.dataset.modality)
    candidates = [_train_candidate(ctx, family, index, len(families)) for index, family in enumerate(families)]
    return choose_deep(candidates)


def _train_candidate(ctx: AssessmentContext, family: str, index: int, n_families: int = len(DEEP_FAMILIES)) -> DeepCandidate:
    frame, y = ctx.train
    val_frame, y_val = ctx.validation
    hyperparameters, options = split_deep_params(ctx.config.deep_params, family)
    max_epochs = hyperparameters["max_epochs"]
    label = FAMILY_LABELS[family]
    share = 1.0 / n_families

    def on_epoch(record: Mapping[str, Any]) -> None:
        # The cap goes with each epoch ("epoch 7 of ≤60"): early stopping may end it sooner. Each family
        # trains in its share of the stage's bar.
        done = (index + min(1.0, record["epoch"] / max_epochs)) * share
        ctx.store.progress("deep_model", done, {**record, "max_epochs": max_epochs, "model": label})

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
        family=family,
    )
    if isinstance(fitted, DeepFailure):
        return DeepCandidate(
            family=family,
            name=label,
            model=None,
            fit_seconds=fitted.fit_seconds,
            device=fitted.device,
            error=fitted.error,
            diagnostics=fitted.diagnostics,
        )
    val_proba = fitted.predict_proba(val_frame)
    return DeepCandidate(
        family=family,
        name=fitted.name,
        model=fitted,
        val_proba=val_proba,
        val_roc_auc=validation_metrics(y_val, val_proba)["roc_auc"],
        fit_seconds=fitted.fit_seconds,
        device=fitted.device,
        diagnostics=fitted.diagnostics,
    )


def choose_deep(candidates: list[DeepCandidate]) -> DeepOutput:
    """The deep stage's output: the fitted candidate with the best validation ROC-AUC (ties to the first,
    the simpler ResNet-MLP), or the first failure when none was fitted (the report shows the failed check
    and the verdict becomes "fix the data first")."""
    fitted = [c for c in candidates if c.model is not None]
    if not fitted:
        first = candidates[0]
        return DeepOutput(
            model=None,
            error=first.error,
            diagnostics=first.diagnostics,
            fit_seconds=first.fit_seconds,
            device=first.device,
            candidates=tuple(candidates),
        )
    chosen = max(fitted, key=lambda c: -math.inf if c.val_roc_auc is None else c.val_roc_auc)
    return DeepOutput(
        model=chosen.model,
        diagnostics=chosen.diagnostics,
        val_proba=chosen.val_proba,
        fit_seconds=chosen.fit_seconds,
        device=chosen.device,
        candidates=tuple(candidates),
        chosen_family=chosen.family,
        chosen_because=_why_chosen(chosen, candidates),
    )


def _why_chosen(chosen: DeepCandidate, candidates: list[DeepCandidate]) -> str:
    others = [c for c in candidates if c is not chosen]
    if not others:
        return f"{chosen.name} is the only deep model trained."
    words = []
    for other in others:
        if other.model is None:
            words.append(f"{other.name} failed its overfit check")
        else:
            words.append(f"{other.name} {_auc(other.val_roc_auc)}")
    tie = any(o.model is not None and o.val_roc_auc == chosen.val_roc_auc for o in others)
    return (
        f"{chosen.name} has the best validation ROC-AUC of the deep models ({_auc(chosen.val_roc_auc)}; "
        f"{', '.join(words)}){' — a tie goes to the first trained' if tie else ''}: it is the one compared "
        "with the baselines, chosen without looking at the test split."
    )


def _auc(value: float | None) -> str:
    return "no ROC-AUC" if value is None else f"{value:.4f}"
