"""The learning-curve stage: the best baseline and the chosen deep model trained on shares of the training split.

Each share is a point of its own (`FanOutPoint`): the store runs it inline or as a job of its own, so on a
service the points spread across workers and the stage resumes once they have all finished. The 100% point of
each curve is the assessment's own model, already measured by the validation stage, so it is never retrained.
Every point is trained with exactly the hyperparameters and seed of the assessment's own model: the curves
differ from it only by the rows left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

import numpy as np

from workers.assessment.context import AssessmentContext
from workers.assessment.curve_summary import CurvePoint, ModelCurve, skipped_summary, summarise_curves
from workers.assessment.outputs import LearningCurveOutput
from workers.assessment.store import FanOutPoint
from workers.curve_inference import hanley_mcneil_se
from workers.experiments.families import DEEP, FAMILY_LABELS, TABM, default_hyperparameters
from workers.experiments.fitting import split_deep_params
from workers.experiments.run import run_experiment
from workers.report.json_values import json_ready

STAGE = "learning_curve"
# Shares of the training split each model is retrained on; 100% is the assessment's own model. Halving steps
# put the points evenly on the log scale the power law is fitted on.
CURVE_FRACTIONS: tuple[float, ...] = (0.1, 0.25, 0.5)
# Rows of the rarest class the smallest share must keep. Below ~10, the smallest point's validation AUC
# depends more on which few rows were drawn than on how many, and that point anchors the fitted slope.
MIN_CURVE_ROWS_PER_CLASS = 10

_FAMILIES_BY_LABEL = {label: family for family, label in FAMILY_LABELS.items()}


def learning_curve_stage(ctx: AssessmentContext) -> LearningCurveOutput:
    reason = _skip_reason(ctx)
    if reason is not None:
        return skipped_summary(reason)
    curves = _curves(ctx)
    points = [
        FanOutPoint(curve.family, curve.hyperparameters, fraction, ctx.config.seed, ctx.config.device)
        for curve in curves
        for fraction in CURVE_FRACTIONS
    ]

    finished: list[FanOutPoint] = []

    def run_inline(point: FanOutPoint) -> dict[str, Any]:
        result = run_experiment(
            (*ctx.train, *ctx.validation),
            point.family,
            point.hyperparameters,
            seed=point.seed,
            train_fraction=point.train_fraction,
            device=point.device,
            n_jobs=ctx.config.n_jobs,
            should_stop=ctx.store.should_stop,
        )
        finished.append(point)
        done = len(finished)
        ctx.store.progress(STAGE, done / len(points), {"points_done": done, "points": len(points)})
        return result.to_json()

    results = iter(ctx.store.fan_out(STAGE, points, run_inline))  # may raise PointsPending
    measured = []
    counts = _validation_counts(ctx)
    for curve in curves:
        own = _own_point(ctx, curve.name)
        fractions = [_point(next(results)) for _ in CURVE_FRACTIONS]
        measured.append(replace(curve, points=[_with_se(p, counts) for p in (*fractions, own)]))
    feasibility = ctx.answers.feasibility
    summary = summarise_curves(
        measured[0],
        measured[1] if len(measured) > 1 else None,
        seed=ctx.config.seed,
        target=feasibility.target_value,
        target_metric=feasibility.target_metric,
    )
    # deep_params may also set trainer options that are not hyperparameters (overfit_check, time_budget_s);
    # an experiment point cannot carry them, so the stage reports them as ignored.
    _, options = split_deep_params(ctx.config.deep_params, ctx.deep.family or DEEP)
    summary = replace(
        summary,
        hyperparameters={curve.name: curve.hyperparameters for curve in curves},
        ignored_deep_params=sorted(options),
    )
    # Plain JSON in every field (numpy numbers become Python's, NaN null): the report section as stored.
    return LearningCurveOutput(**{f.name: json_ready(getattr(summary, f.name)) for f in fields(summary)})


def _skip_reason(ctx: AssessmentContext) -> str | None:
    if not ctx.config.learning_curve:
        return "Learning curves were not asked for."
    _, y = ctx.train
    rarest = int(min(sum(y == label) for label in set(y.tolist())))
    smallest = int(min(CURVE_FRACTIONS) * rarest + 0.5)  # as the subsample rounds
    if smallest < MIN_CURVE_ROWS_PER_CLASS:
        return (
            f"No learning curve: {min(CURVE_FRACTIONS):.0%} of the training split keeps only {smallest} rows of "
            f"the rarest class, and a curve needs at least {MIN_CURVE_ROWS_PER_CLASS}."
        )
    return None


def _curves(ctx: AssessmentContext) -> list[ModelCurve]:
    """The models to retrain and their hyperparameters: the best baseline, then the deep model if it ran."""
    best = ctx.validation_result.best_baseline
    family = _FAMILIES_BY_LABEL[best]
    curves = [ModelCurve(best, family, "best_baseline", hyperparameters=default_hyperparameters(family))]
    deep = ctx.deep
    if deep.model is not None:
        # The deep family chosen on validation, as the deep stage fitted it (ResNet-MLP before TabM existed).
        deep_family = deep.family or DEEP
        hyperparameters, _ = split_deep_params(ctx.config.deep_params, deep_family)
        if deep_family == TABM and hyperparameters["n_bins"] is None:
            # The CPU profile's embeddings depend on the training rows; the points keep the model's choice
            # (0: none), so that they differ from it only by the rows left out.
            hyperparameters["n_bins"] = deep.diagnostics.get("n_bins") or 0
        curves.append(ModelCurve(deep.model.name, deep_family, "deep", hyperparameters=hyperparameters))
    return curves


def _validation_counts(ctx: AssessmentContext) -> tuple[int, int]:
    """(rarest class, the rest) of the validation split: the two sides of the ROC-AUC's standard error. For a
    multiclass target the rarest class against the rest stands in for the macro average (conservative)."""
    _, y = ctx.validation
    sizes = [int(np.sum(y == label)) for label in set(y.tolist())]
    return min(sizes), len(y) - min(sizes)


def _with_se(point: CurvePoint, counts: tuple[int, int]) -> CurvePoint:
    if point.roc_auc is None or min(counts) < 1:
        return point
    return replace(point, se=hanley_mcneil_se(point.roc_auc, *counts))


def _own_point(ctx: AssessmentContext, name: str) -> CurvePoint:
    return CurvePoint(
        train_fraction=1.0,
        n_train=ctx.split.sizes["train"],
        roc_auc=ctx.validation_result.metrics[name]["roc_auc"],
        source="assessment",
    )


def _point(result: Mapping[str, Any]) -> CurvePoint:
    """One point from its experiment's `ExperimentResult.to_json()`."""
    auc = (result.get("validation") or {}).get("roc_auc")
    roc_auc = float(auc) if auc is not None and not result.get("failed") else None
    return CurvePoint(
        train_fraction=float(result["train_fraction"]),
        n_train=int(result["n_train"]),
        roc_auc=roc_auc,
        source="learning_curve",
        error=None if roc_auc is not None else (result.get("error") or "no validation ROC-AUC was measured"),
        fit_seconds=result.get("fit_seconds"),
    )
