"""What the learning-curve stage reports: the measured points, the fitted curves and what they say.

Pure: measured points in, a `LearningCurveOutput` summary out (the curve maths is `workers.learning_curve`'s). The
sentences are written here once, so the HTML report, the terminal and the dashboard say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from workers.assessment.outputs import LearningCurveOutput
from workers.curve_inference import NEGLIGIBLE_GAIN, CurveInference, infer_curve
from workers.learning_curve import (
    MIN_POINTS,
    CurveComparison,
    CurveFit,
    compare_curves,
    fit_learning_curve,
    learning_curve_evidence,
)
from workers.numbers import format_count, format_delta, format_metric

PLOT_POINTS = 30  # points of each fitted curve drawn in the chart
PLOT_REACH = 4.0  # the fitted curve is drawn up to this multiple of the largest training set

Role = Literal["best_baseline", "deep"]


@dataclass(frozen=True)
class CurvePoint:
    """One training-set size of one model: its validation ROC-AUC, or why it has none."""

    train_fraction: float
    n_train: int
    roc_auc: float | None
    source: Literal["learning_curve", "assessment"]  # a point of its own, or the assessment's own model
    error: str | None = None
    fit_seconds: float | None = None
    se: float | None = (
        None  # standard error of roc_auc (Hanley-McNeil on the validation split's class counts)
    )

    @property
    def ok(self) -> bool:
        return self.roc_auc is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "train_fraction": self.train_fraction,
            "n_train": self.n_train,
            "val_roc_auc": self.roc_auc,
            "status": "ok" if self.ok else "failed",
            "error": self.error,
            "source": self.source,
            "fit_seconds": self.fit_seconds,
            "se": self.se,
        }


@dataclass(frozen=True)
class ModelCurve:
    name: str  # as the report names the model, e.g. "XGBoost"
    family: str  # a workers.experiments.families name
    role: Role
    points: list[CurvePoint] = field(default_factory=list)
    # Complete (every default filled): what each of its points is trained with.
    hyperparameters: dict[str, Any] = field(default_factory=dict)


def summarise_curves(
    baseline: ModelCurve,
    deep: ModelCurve | None,
    *,
    seed: int,
    target: float | None = None,
    target_metric: str | None = None,
) -> LearningCurveOutput:
    """The stage's output: per model its points, fit, fitted curve for plotting, whether it still rises and the
    expected gain of the next doubling; the deep-versus-baseline comparison; the rubric's evidence; sentences.

    When the points carry standard errors, each curve is also fitted by `workers.curve_inference` (weighted,
    with calibrated intervals): its "still rising", gain, ceiling, the rows needed for ``target`` (in
    ``target_metric``, the questionnaire's), a quality check and a back-test come from there."""
    base_fit = _fit(baseline, seed)
    deep_fit = _fit(deep, seed) if deep is not None else None
    base_inf = _infer(baseline, target, target_metric)
    deep_inf = _infer(deep, target, target_metric) if deep is not None else None
    # An ill-behaved curve is not extrapolated, so neither is where it would cross the other.
    ill_behaved = [
        c.name for c, i in ((baseline, base_inf), (deep, deep_inf)) if c and i and not i.quality.ok
    ]
    comparison = compare_curves(base_fit, deep_fit) if base_fit and deep_fit and not ill_behaved else None
    evidence = curve_facts(base_fit, deep_fit, base_inf, deep_inf) if base_fit else None
    models = [_model_summary(baseline, base_fit, base_inf)]
    if deep is not None:
        models.append(_model_summary(deep, deep_fit, deep_inf))
    return LearningCurveOutput(
        skipped=False,
        reason=None,
        metric="roc_auc",
        split="validation",
        models=models,
        comparison=_comparison_summary(comparison, baseline, deep, deep_fit, ill_behaved),
        evidence=evidence,
        # The evidence at the top level too, and every measured point in one list: what a reader that
        # knows nothing of the models (the dashboard) needs to draw the chart and say "still rising".
        still_rising=evidence["still_rising"] if evidence else None,
        expected_gain_next_doubling=evidence["expected_gain_next_doubling"] if evidence else None,
        points=[
            {"model": curve.name, "train_rows": p.n_train, "val_roc_auc": p.roc_auc}
            for curve in (baseline, deep)
            if curve is not None
            for p in curve.points
            if p.ok
        ],
        sentences=_sentences(models, baseline, deep, comparison, ill_behaved),
    )


def skipped_summary(reason: str) -> LearningCurveOutput:
    return LearningCurveOutput.skipped_because(reason)


def _measured(curve: ModelCurve) -> list[CurvePoint]:
    return sorted((p for p in curve.points if p.ok), key=lambda p: p.n_train)


def _fit(curve: ModelCurve, seed: int) -> CurveFit | None:
    measured = _measured(curve)
    if len(measured) < MIN_POINTS:
        return None
    sizes = [float(p.n_train) for p in measured]
    aucs = [float(p.roc_auc) for p in measured if p.roc_auc is not None]
    se = [p.se for p in measured if p.se is not None]
    return fit_learning_curve(sizes, aucs, std_errors=se if len(se) == len(sizes) else None, seed=seed)


def _infer(curve: ModelCurve, target: float | None, metric: str | None) -> CurveInference | None:
    """The weighted fit with intervals, or None without enough points or without their standard errors
    (a report stored before points had them)."""
    measured = _measured(curve)
    se = [p.se for p in measured if p.se is not None and p.se > 0]
    if len(measured) < MIN_POINTS or len(se) != len(measured):
        return None
    aucs = [float(p.roc_auc) for p in measured if p.roc_auc is not None]
    return infer_curve([float(p.n_train) for p in measured], aucs, se, target=target, metric=metric)


def curve_facts(
    base_fit: CurveFit,
    deep_fit: CurveFit | None,
    base_inf: CurveInference | None,
    deep_inf: CurveInference | None,
) -> dict[str, Any]:
    """The rubric's `learning_curve` evidence: rising or flat with the gain's interval (of the model better
    at its largest size, as `learning_curve_evidence` picks it), and the rows needed per family."""
    evidence = learning_curve_evidence(base_fit, deep_fit)
    use_deep = deep_fit is not None and deep_fit.auc_at_n_max > base_fit.auc_at_n_max
    chosen = deep_inf if use_deep else base_inf
    if chosen is None:
        return evidence
    rows = {"best_baseline": base_inf.rows_needed.to_json() if base_inf else None}
    if deep_fit is not None:
        rows["deep"] = deep_inf.rows_needed.to_json() if deep_inf else None
    gain = chosen.gain
    return {
        "still_rising": chosen.still_rising,
        "expected_gain_next_doubling": gain.value,
        "gain_ci_low": gain.low,
        "gain_ci_high": gain.high,
        "flat": chosen.flat,
        "quality_ok": chosen.quality.ok,
        "n_train": chosen.n_max,
        "rows_needed": rows,
    }


def _model_summary(
    curve: ModelCurve, fit: CurveFit | None, inference: CurveInference | None
) -> dict[str, Any]:
    measured = [p for p in curve.points if p.ok]
    summary: dict[str, Any] = {
        "name": curve.name,
        "family": curve.family,
        "role": curve.role,
        "points": [p.to_json() for p in curve.points],
        "fit": None,
        "fitted_curve": None,
        "still_rising": None,
        "expected_gain_next_doubling": None,
        "reason": None,
    }
    if fit is None:
        failed = len(curve.points) - len(measured)
        summary["reason"] = (
            f"only {len(measured)} of {len(curve.points)} points measured ({failed} failed); a curve needs "
            f"{MIN_POINTS}"
        )
        return summary
    n = np.geomspace(min(fit.sizes), PLOT_REACH * fit.n_max, PLOT_POINTS)
    fitted = fit.predict(n).tolist() if fit.has_model else None
    summary.update(
        {
            "fit": fit.to_json(),
            "fitted_curve": {"n_train": n.tolist(), "val_roc_auc": fitted} if fitted else None,
            "still_rising": fit.still_rising,
            "expected_gain_next_doubling": fit.expected_gain_next_doubling,
        }
    )
    if inference is not None:
        # The weighted fit replaces the unweighted one wherever a reader looks: the line drawn, the gain, rising.
        quality = inference.quality
        if not quality.ok:  # an ill-behaved curve is not extrapolated, not even in the chart
            n = np.geomspace(min(fit.sizes), fit.n_max, PLOT_POINTS)
        summary.update(
            {
                "fit": {**summary["fit"], "weighted": inference.to_json()},
                "fitted_curve": {"n_train": n.tolist(), "val_roc_auc": inference.predict(n).tolist()},
                "still_rising": inference.still_rising,
                "expected_gain_next_doubling": inference.gain.value,
                "gain_ci_low": inference.gain.low,
                "gain_ci_high": inference.gain.high,
                "ceiling": inference.ceiling.to_json(),
                "rows_needed": inference.rows_needed.to_json(),
                "backtest": inference.backtest.to_json() if inference.backtest else None,
                "quality": quality.to_json(),
            }
        )
    return summary


def _comparison_summary(
    comparison: CurveComparison | None,
    baseline: ModelCurve,
    deep: ModelCurve | None,
    deep_fit: CurveFit | None,
    ill_behaved: list[str] = [],  # noqa: B006 - read only
) -> dict[str, Any]:
    if comparison is not None:
        return comparison.to_json()
    if ill_behaved and deep is not None:
        why = f"no overtaking estimate: the {' and '.join(ill_behaved)} learning curve is ill-behaved and not extrapolated"
    elif deep is None:
        why = "no deep-model curve: the deep model was skipped or failed"
    elif deep_fit is None:
        why = "the deep model's learning curve has too few measured points"
    else:
        why = f"the {baseline.name} learning curve has too few measured points"
    return {"status": "unknown", "message": why}


def _sentences(
    models: list[dict[str, Any]],
    baseline: ModelCurve,
    deep: ModelCurve | None,
    comparison: CurveComparison | None,
    ill_behaved: list[str] = [],  # noqa: B006 - read only
) -> list[str]:
    out = [_model_sentence(m) for m in models]
    if deep is not None and comparison is not None:
        out.append(_comparison_sentence(comparison, baseline.name))
    elif deep is not None and ill_behaved:
        out.append(
            f"No overtaking estimate: the {' and '.join(ill_behaved)} learning curve is not extrapolated."
        )
    elif deep is not None:
        out.append("No overtaking estimate: both curves need enough measured points.")
    return out


def _model_sentence(model: dict[str, Any]) -> str:
    name, gain = model["name"], model["expected_gain_next_doubling"]
    if gain is None:
        return f"{name}: no curve fitted ({model['reason']})."
    if model.get("quality") is not None:
        return weighted_sentence(model)
    fit = model["fit"] or {}
    doubled = format_count(2 * max(p["n_train"] for p in model["points"] if p["status"] == "ok"))
    state = "still rising" if model["still_rising"] else "levelled off"
    text = f"{name}: {state}; doubling the training data (to {doubled} rows) is expected to add {format_delta(gain)} ROC-AUC"
    asymptote = fit.get("asymptote")
    if fit.get("fit_ok") and asymptote is not None:
        low, high = fit.get("asymptote_ci_low"), fit.get("asymptote_ci_high")
        interval = (
            f" [{format_metric(low)}, {format_metric(high)}]" if low is not None and high is not None else ""
        )
        text += f", with a fitted ceiling of {format_metric(asymptote)}{interval}"
    return text + "."


def weighted_sentence(model: dict[str, Any]) -> str:
    """One model's curve from the weighted fit: rising/flat with the gain's 80% interval, the ceiling, the
    rows the target needs, the back-test; or, for an ill-behaved curve, what is wrong and no extrapolation."""
    name, quality = model["name"], model["quality"]
    if not quality["ok"]:
        return f"{name}: the curve is not extrapolated - " + "; ".join(quality["problems"]) + "."
    gain, low, high = (
        model["expected_gain_next_doubling"],
        model.get("gain_ci_low"),
        model.get("gain_ci_high"),
    )
    if model["still_rising"]:
        state = "still rising"
    elif high is not None and high <= NEGLIGIBLE_GAIN:
        state = "flat"
    else:
        state = "not clearly rising"
    interval = f"[{format_delta(low)}, {format_delta(high) if high is not None else 'more'}]"
    text = f"{name}: {state}; the next doubling of the training data is expected to add {format_delta(gain)} {interval} ROC-AUC"
    ceiling = model.get("ceiling") or {}
    if ceiling.get("value") is not None:
        text += (
            f", levelling off at {format_metric(ceiling['value'])} "
            f"[{format_metric(ceiling['ci_low'])}, {format_metric(ceiling['ci_high'])}] (80% intervals)"
        )
    text += "."
    rows = model.get("rows_needed") or {}
    if rows.get("target") is not None:
        text += " " + rows_needed_sentence(rows)
    backtest = model.get("backtest")
    if backtest:
        text += (
            f" Back-test: fitted on the points up to {format_count(backtest['fitted_on'][-1])} rows, the curve "
            f"predicted {format_metric(backtest['predicted'][0])} at {format_count(backtest['predicted_at'][0])} "
            f"rows; measured {format_metric(backtest['observed'][0])} (error {format_delta(backtest['error'][0])})."
        )
    return text


def rows_needed_sentence(rows: dict[str, Any]) -> str:
    """'Reaching 0.950 ROC-AUC needs about 12,000 [8,000, 20,000] training rows', or why it cannot say."""
    target = f"{format_metric(rows['target'])} {'ROC-AUC' if rows.get('metric') in (None, 'roc_auc') else rows['metric']}"
    if rows.get("value") is None:
        return f"Rows needed for {target}: {rows['reason']}."
    high = format_count(rows["ci_high"]) if rows.get("ci_high") is not None else "beyond the search"
    return (
        f"Reaching {target} needs about {format_count(rows['value'])} training rows "
        f"[{format_count(rows['ci_low'])}, {high}] (80% interval)"
        + (f"; {rows['reason']}." if rows.get("reason") else ".")
    )


def _comparison_sentence(comparison: CurveComparison, baseline_name: str) -> str:
    now = format_count(comparison.n_max)
    if comparison.status == "deep_ahead":
        return (
            f"On the fitted validation curves the deep model is already level with or ahead of {baseline_name} at "
            f"{now} training rows ({format_metric(comparison.deep_at_n_max)} against "
            f"{format_metric(comparison.baseline_at_n_max)})."
        )
    if comparison.status == "overtakes" and comparison.overtake_size is not None:
        low, high = comparison.overtake_ci_low, comparison.overtake_ci_high
        if low is None:
            interval = ""
        elif high is None:
            interval = (
                f", 95% interval from {format_count(low)} to beyond {format_count(comparison.search_limit)}"
            )
        else:
            interval = f", 95% interval {format_count(low)}–{format_count(high)}"
        return (
            f"The deep model rises faster and is expected to overtake {baseline_name} at about "
            f"{format_count(comparison.overtake_size)} training rows (now {now}{interval})."
        )
    if comparison.status == "not_within_search":
        return (
            f"The deep model's curve levels off higher than {baseline_name}'s but is not expected to overtake it "
            f"below {format_count(comparison.search_limit)} training rows."
        )
    if comparison.status == "never":
        return (
            f"The deep model is not expected to overtake {baseline_name}: its curve levels off lower (fitted "
            f"ROC-AUC at {now} rows {format_metric(comparison.deep_at_n_max)} against "
            f"{format_metric(comparison.baseline_at_n_max)})."
        )
    return comparison.message
