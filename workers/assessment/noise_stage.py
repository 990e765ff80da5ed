"""The label-noise stage: how many labels look wrong, which rows, and what that caps any model at.

It runs after the validation stage (it needs the best baseline) and reads only out-of-sample
probabilities, never the test split (the test budget allows one look, and it is the models' look):
- the validation split as the best baseline scored it (free: the baselines stage kept them);
- out-of-fold probabilities on the training split, from k-fold refits of the best baseline's family,
  only when that is cheap: a training split of at most `OOF_MAX_CELLS` values (rows × columns used; an
  image's features, not its pixels).
  The rule reads the data's size, not a measured fit time, so the same file gives the same report on a
  busy machine. At 100k rows no family is cheap enough (one logistic regression on 60k × 50 takes ~2 s
  on 2 cores, five refits ~9 s), so a large table is judged on its validation split alone — 20,000 rows,
  plenty for the rate's interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from workers.assessment.context import AssessmentContext
from workers.assessment.outputs import LabelNoiseOutput
from workers.baselines import fit_baseline
from workers.data.images.image_set import geometry_of
from workers.deep.device import resolve_device
from workers.evaluation.label_noise import (
    NoiseEstimate,
    Source,
    accuracy_ceiling,
    estimate_noise,
    macro_roc_auc_ceiling,
    roc_auc_ceiling,
)
from workers.families import FAMILY_LABELS
from workers.images.pixel_features import n_features
from workers.numbers import format_count, format_metric, format_percent
from workers.split import TRAIN, VALIDATION

OOF_FOLDS = 5
# The largest training split (rows × columns used) refitted k-fold: five XGBoost refits of 3,000 × 30 take
# ~2 s on 2 cores. Issue 12 allows all its sections together under 10% of a ~75 s assessment at 100k rows.
OOF_MAX_CELLS = 100_000
# Suspects kept in the report (and so in the CSV download); the count of all of them is reported too.
MAX_SUSPECTS = 500
# An estimated rate above this is a dataset finding worth acting on (relabel the suspects).
HIGH_NOISE_RATE = 0.03
METHOD = (
    "confident learning (Northcutt, Jiang & Chuang 2021) on out-of-sample probabilities; it counts every "
    "row the model confidently scores as another class — wrong labels, and rows where the classes overlap "
    "in the features, alike (a weak model inflates it)"
)
CEILING_ASSUMPTION = (
    "labels flipped at random with the estimated rate, whatever the class and the features; a perfect model "
    "of the true labels scores this against the given ones"
)
CEILING_FORMULA = (
    "accuracy ≤ 1 − ε; ROC-AUC ≤ (ab + ½ac + ½bd) / ((a + d)(b + c)) with a = (1−ε)π, b = (1−ε)(1−π), "
    "c = επ, d = ε(1−π), π the positive rate (1 − ε when balanced; multiclass: the one-vs-rest mean)"
)


def _family(model_name: str) -> str:
    return next(family for family, label in FAMILY_LABELS.items() if label == model_name)


def _model_columns(frame: pd.DataFrame) -> int:
    """The columns a baseline fits on: a table's own, or an image's features (`PixelFeatures`), not its
    pixels — what the refits cost."""
    geometry = geometry_of(frame.columns)
    return frame.shape[1] if geometry is None else n_features(geometry)


def _out_of_fold(ctx: AssessmentContext, model_name: str) -> tuple[Source | None, str | None]:
    """Out-of-fold probabilities of the best baseline's family on the training split, or None and why not."""
    frame, y = ctx.train
    folds = min(OOF_FOLDS, int(np.bincount(y, minlength=ctx.dataset.n_classes).min()))
    columns = _model_columns(frame)
    cells = frame.shape[0] * columns
    if folds < 2:
        return None, "a class has fewer than 2 training rows"
    if cells > OOF_MAX_CELLS:
        return None, (
            f"the training split ({format_count(frame.shape[0])} rows × {columns} columns) is past "
            f"the {format_count(OOF_MAX_CELLS)} values refitted {folds}-fold within the time budget"
        )
    val_frame, y_val = ctx.validation
    proba = np.zeros((len(y), ctx.dataset.n_classes))
    seed = ctx.config.seed % (2**31)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for done, (fit_rows, held_out) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fitted = fit_baseline(
            _family(model_name),
            frame.iloc[fit_rows],
            y[fit_rows],
            val_frame,  # XGBoost stops early on the validation split, as the assessment's own fit does
            y_val,
            random_state=seed,
            n_jobs=ctx.config.n_jobs,
            xgb_device=resolve_device(ctx.config.device).type,
        )
        scored = fitted.predict_proba(frame.iloc[held_out])
        # A fold can miss a rare class entirely: place the columns it has by their class index.
        classes = fitted.estimator.classes_
        proba[np.ix_(held_out, classes)] = scored
        ctx.store.progress("label_noise", (done + 1) / (folds + 1))
    rows = ctx.split.indices(TRAIN)
    return Source(f"{folds}-fold out-of-fold {model_name}", rows, y, proba), None


def label_noise_stage(ctx: AssessmentContext) -> LabelNoiseOutput:
    best = ctx.validation_result.best_baseline
    _, y_val = ctx.validation
    sources = [
        Source(
            f"validation split scored by {best}",
            ctx.split.indices(VALIDATION),
            y_val,
            ctx.baselines.val_proba[best],
        )
    ]
    oof, why_not = _out_of_fold(ctx, best)
    if oof is not None:
        sources.append(oof)
    estimate = estimate_noise(sources, seed=ctx.config.seed % (2**31))
    section = noise_section(ctx, estimate, sources, why_not)
    return LabelNoiseOutput(skipped=False, section=section)


def noise_section(
    ctx: AssessmentContext,
    estimate: NoiseEstimate,
    sources: list[Source],
    oof_skipped: str | None,
) -> dict[str, Any]:
    """The report's `label_noise` section, JSON-ready."""
    classes = ctx.dataset.classes
    split_of = {int(r): "validation" for r in ctx.split.indices(VALIDATION)}
    suspects = [
        {
            "row": s.row,
            "split": split_of.get(s.row, "train"),
            "given": classes[s.given],
            "suggested": classes[s.suggested],
            "self_confidence": round(s.self_confidence, 4),
            "margin": round(s.margin, 4),
        }
        for s in estimate.suspects[:MAX_SUSPECTS]
    ]
    ceiling = noise_ceiling(
        estimate.rate, ctx.dataset.y, ctx.dataset.n_classes, interval=(estimate.ci_low, estimate.ci_high)
    )
    method = f"{METHOD}: " + "; ".join(f"{s.name} ({format_count(len(s.labels))} rows)" for s in sources)
    if oof_skipped:
        method += f"; no out-of-fold scores on the training split: {oof_skipped}"
    return {
        "estimated_rate": estimate.rate,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n_examined": estimate.n_examined,
        "n_suspects": len(estimate.suspects),
        "suspects": suspects,
        "method": method,
        "ceiling": ceiling,
        "high": estimate.ci_low > HIGH_NOISE_RATE,
        "sentence": noise_sentence(estimate, ceiling),
        "row_numbers": "0-based data rows of the file as loaded (the header is not a row)",
    }


def noise_ceiling(
    rate: float, y: np.ndarray, n_classes: int, *, interval: tuple[float, float] | None = None
) -> dict[str, Any]:
    """What label noise at `rate` caps any model at, measured against these labels; with the rate's
    `interval`, the ROC-AUC cap at its two ends too (`roc_auc_range`, low to high), since a point cap below a
    score the models reach only means the noise is nearer the interval's low end."""
    shares = np.bincount(y, minlength=n_classes) / max(len(y), 1)

    def auc(at: float) -> float:
        return roc_auc_ceiling(at, float(shares[1])) if n_classes == 2 else macro_roc_auc_ceiling(at, shares)

    ceiling: dict[str, Any] = {
        "accuracy": accuracy_ceiling(rate),
        "roc_auc": auc(rate),
        "formula": CEILING_FORMULA,
        "assumption": CEILING_ASSUMPTION,
    }
    if interval is not None:
        ceiling["roc_auc_range"] = [auc(interval[1]), auc(interval[0])]
    return ceiling


def noise_sentence(estimate: NoiseEstimate, ceiling: dict[str, Any]) -> str:
    rate = (
        f"{format_percent(estimate.rate)} [{format_percent(estimate.ci_low)}, "
        f"{format_percent(estimate.ci_high)}]"
    )
    head = f"About {rate} of the {format_count(estimate.n_examined)} labels examined look wrong"
    if not estimate.suspects:
        return f"{head}: no row stands out as mislabelled, and the labels are not what limits the models."
    spread = ceiling.get("roc_auc_range")
    within = (
        f" ({format_metric(spread[0])}–{format_metric(spread[1])} over the rate's interval)"
        if spread and format_metric(spread[0]) != format_metric(spread[1])
        else ""
    )
    caps = (
        f"Noise at that rate caps any model at about {format_percent(ceiling['accuracy'])} accuracy and "
        f"ROC-AUC {format_metric(ceiling['roc_auc'])}{within} against these labels."
    )
    return f"{head}; {format_count(len(estimate.suspects))} rows are listed as likely mislabelled. {caps}"


def label_noise_section(ctx: AssessmentContext) -> dict[str, Any] | None:
    """The report's `label_noise` section, or None when the stage did not run (an output saved before it
    existed, or a skipped stage)."""
    output = ctx.outputs.get("label_noise")
    if not isinstance(output, LabelNoiseOutput) or output.skipped:
        return None
    return output.section


def noise_evidence(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """The facts the dataset criterion and the verdict read (`Evidence.label_noise`)."""
    if section is None:
        return None
    return {
        "estimated_rate": section["estimated_rate"],
        "ci_low": section["ci_low"],
        "ci_high": section["ci_high"],
        "n_suspects": section["n_suspects"],
        "ceiling_accuracy": section["ceiling"]["accuracy"],
        "ceiling_roc_auc": section["ceiling"]["roc_auc"],
        "high": section["high"],
    }
