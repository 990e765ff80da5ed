"""Stages that judge: model selection on validation, then the single look at the test split."""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.assessment.context import AssessmentContext
from workers.assessment.economics_section import economics_section
from workers.assessment.outputs import Comparison, TestLookOutput, ValidationOutput
from workers.assessment.store import TestLook
from workers.baselines import FittedModel
from workers.evaluation import (
    ThresholdChoice,
    choose_threshold,
    delong_roc_test,
    evaluate_binary,
    evaluate_multiclass,
    paired_bootstrap_test,
    pr_points,
    roc_points,
    validation_metrics,
)
from workers.evaluation.delong import delong_delta_interval
from workers.evaluation.paired import paired_bootstrap_delta
from workers.rubric.evidence import meaningful_gain
from workers.rubric.questionnaire import Answers


def threshold_targets(answers: Answers) -> dict[str, float | None]:
    """The precision or recall the team needs, if they said, for choosing the decision threshold."""
    return {
        "target_precision": answers.feasibility.target_precision,
        "target_recall": answers.feasibility.target_recall,
    }


def fitted_models(ctx: AssessmentContext) -> list[FittedModel]:
    """The baselines, simplest first, then every deep model that was fitted (ResNet-MLP, TabM)."""
    return [*ctx.baselines.models, *ctx.deep.fitted_models()]


def _validation_probas(ctx: AssessmentContext) -> dict[str, np.ndarray]:
    probas = dict(ctx.baselines.val_proba)
    for deep in ctx.deep.all_candidates():
        if deep.model is not None and deep.val_proba is not None:
            probas[deep.model.name] = deep.val_proba
    return probas


def validation_stage(ctx: AssessmentContext) -> ValidationOutput:
    """Everything that is decided is decided here, on validation: the best baseline and the thresholds."""
    _, y_val = ctx.validation
    probas = _validation_probas(ctx)
    metrics = {name: validation_metrics(y_val, proba) for name, proba in probas.items()}
    baselines = [m.name for m in ctx.baselines.models]
    # Ties go to the simpler model: baselines are listed simplest first and max() keeps the first maximum.
    best_baseline = max(baselines, key=lambda name: metrics[name]["roc_auc"])
    thresholds: dict[str, ThresholdChoice] = {}
    if ctx.dataset.is_binary:
        targets = threshold_targets(ctx.answers)
        for name, proba in probas.items():
            thresholds[name] = choose_threshold(y_val, proba[:, 1], **targets)
    return ValidationOutput(metrics=metrics, best_baseline=best_baseline, thresholds=thresholds)


def _compare(ctx: AssessmentContext, y_test: np.ndarray, probas: dict[str, np.ndarray]) -> Comparison:
    best = ctx.validation_result.best_baseline
    deep = ctx.deep.model
    if deep is None:
        return Comparison(best_baseline=best, deep=None)
    if ctx.dataset.is_binary:
        auc_base, auc_deep, p_value = delong_roc_test(y_test, probas[best][:, 1], probas[deep.name][:, 1])
        _, delta_low, delta_high = delong_delta_interval(y_test, probas[best][:, 1], probas[deep.name][:, 1])
        test = "DeLong"
    else:
        seed = ctx.config.seed % (2**31)
        auc_base, auc_deep, p_value = paired_bootstrap_test(y_test, probas[best], probas[deep.name], seed=seed)
        _, delta_low, delta_high = paired_bootstrap_delta(y_test, probas[best], probas[deep.name], seed=seed)
        test = "paired bootstrap"
    return Comparison(
        best_baseline=best,
        deep=deep.name,
        delta_roc_auc=auc_deep - auc_base,
        delong_p_value=p_value,
        test=test,
        baseline_roc_auc=auc_base,
        deep_roc_auc=auc_deep,
        delta_ci_low=delta_low,
        delta_ci_high=delta_high,
        margin=meaningful_gain(ctx.answers),
    )


def test_look_stage(ctx: AssessmentContext) -> TestLookOutput:
    """The one look at the test split, with every model frozen. Metrics and the ledger row go together."""
    x_test, y_test = ctx.test
    models = fitted_models(ctx)
    probas = {m.name: m.predict_proba(x_test) for m in models}
    seed = ctx.config.seed % (2**31)
    thresholds = ctx.validation_result.thresholds
    results: dict[str, dict[str, Any]] = {}
    curves: dict[str, dict[str, Any]] = {}
    for model in models:
        proba = probas[model.name]
        if ctx.dataset.is_binary:
            threshold = thresholds[model.name].threshold
            results[model.name] = evaluate_binary(
                y_test, proba[:, 1], threshold, n_resamples=ctx.config.n_resamples, seed=seed
            )
            curves[model.name] = {
                "roc": roc_points(y_test, proba[:, 1]),
                "pr": pr_points(y_test, proba[:, 1]),
            }
        else:
            results[model.name] = evaluate_multiclass(
                y_test, proba, n_resamples=ctx.config.n_resamples, seed=seed, class_names=ctx.dataset.classes
            )
    comparison = _compare(ctx, y_test, probas)
    economics = _economics(ctx, y_test, probas, seed)
    look = TestLook(
        key=f"{ctx.key}:test_look",
        split_id=ctx.split.split_id,
        models=[m.name for m in models],
        metrics={
            name: {k: v for k, v in r.items() if k in ("roc_auc", "pr_auc")} for name, r in results.items()
        },
        reason="assessment: final comparison of frozen models selected on validation",
    )
    budget = ctx.store.record_test_look(look, ctx.config.test_budget)
    return TestLookOutput(
        test=results,
        curves=curves,
        comparison=comparison,
        test_budget=budget,
        economics=economics,
        test_proba=_compared_probas(ctx, comparison, probas),
    )


def _compared_probas(
    ctx: AssessmentContext, comparison: Comparison, probas: dict[str, np.ndarray]
) -> dict[str, np.ndarray] | None:
    """For an image dataset, the compared models' test probabilities (float32: they are only ranked), kept
    for the report's confidently-wrong images; None for a table, whose report shows no rows."""
    if ctx.dataset.images is None:
        return None
    names = [name for name in (comparison.best_baseline, comparison.deep) if name is not None]
    return {name: np.asarray(probas[name], dtype=np.float32) for name in names}


def _economics(
    ctx: AssessmentContext, y_test: np.ndarray, probas: dict[str, np.ndarray], seed: int
) -> dict[str, Any]:
    """The payoff in money on this same look: thresholds from validation, values on the test rows scored above."""
    _, y_val = ctx.validation
    val_probas = _validation_probas(ctx)
    binary = ctx.dataset.is_binary
    return economics_section(
        ctx.answers.payoff,
        is_binary=binary,
        y_val=y_val,
        val_scores={name: proba[:, 1] for name, proba in val_probas.items()} if binary else {},
        y_test=y_test,
        test_scores={name: proba[:, 1] for name, proba in probas.items()} if binary else {},
        best_baseline=ctx.validation_result.best_baseline,
        deep=ctx.deep.model.name if ctx.deep.model is not None else None,
        n_resamples=ctx.config.n_resamples,
        seed=seed,
    )
