"""The model card that travels with an exported model: what it was trained on, how well it did (with
intervals), where to put the threshold, what it is for and what was not tested — as JSON and Markdown.

The service gathers the facts (`card` below is plain JSON); this module measures the validation metrics with
their intervals and writes the Markdown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.errors import InvalidOption
from workers.evaluation.delong import delong_auc_interval
from workers.evaluation.intervals import wilson_interval
from workers.numbers import format_ci, format_metric


def validation_intervals(y_val: np.ndarray, proba: np.ndarray, threshold: float | None) -> dict[str, Any]:
    """The model's validation metrics with 95% intervals: ROC-AUC by DeLong's variance (binary), precision
    and recall at `threshold` by Wilson's interval. Multiclass: the one-vs-rest ROC-AUC without interval."""
    from workers.evaluation import validation_metrics

    points = validation_metrics(y_val, proba)
    out: dict[str, Any] = {"n": len(y_val)}
    if proba.shape[1] != 2:
        out["roc_auc"] = {"value": points.get("roc_auc"), "ci_low": None, "ci_high": None, "method": None}
        return out
    score = proba[:, 1]
    try:
        auc, low, high = delong_auc_interval(y_val, score)
        out["roc_auc"] = {"value": auc, "ci_low": low, "ci_high": high, "method": "DeLong"}
    except InvalidOption:  # too few rows of a class for a variance
        out["roc_auc"] = {"value": points.get("roc_auc"), "ci_low": None, "ci_high": None, "method": None}
    out["pr_auc"] = {"value": points.get("pr_auc"), "ci_low": None, "ci_high": None, "method": None}
    if threshold is not None:
        picked = score >= threshold
        positive = y_val == 1
        for name, hits, trials in (
            ("precision", int((picked & positive).sum()), int(picked.sum())),
            ("recall", int((picked & positive).sum()), int(positive.sum())),
        ):
            if trials:
                low, high = wilson_interval(hits, trials)
                out[name] = {"value": hits / trials, "ci_low": low, "ci_high": high, "method": "Wilson"}
    return out


def _metric_lines(metrics: dict[str, Any]) -> list[str]:
    lines = []
    for name, value in metrics.items():
        if not isinstance(value, dict) or "value" not in value:
            continue
        shown = format_ci(value) if value.get("ci_low") is not None else format_metric(value.get("value"))
        if value.get("method"):
            shown += f" (95% interval, {value['method']})"
        lines.append(f"| {name} | {shown} |")
    return lines


def card_markdown(card: dict[str, Any]) -> str:
    """The card as Markdown: the same facts as model_card.json, in the order a reader needs them."""
    model, data, split = card.get("model", {}), card.get("data", {}), card.get("split", {})
    metrics, use = card.get("metrics", {}), card.get("intended_use", {})
    parts = [
        f"# Model card: {model.get('name')}",
        "",
        f"Exported by Readiness from {model.get('source', {}).get('kind')} `{model.get('source', {}).get('id')}` "
        f"on {card.get('exported_at')}.",
        "",
        "## Model",
        f"- Family: {model.get('family')}",
        f"- Hyperparameters: `{model.get('hyperparameters')}`",
        f"- Bundle: {card.get('bundle', {}).get('kind')} — {', '.join(card.get('bundle', {}).get('files', []))}",
        "",
        "## Data",
        f"- Dataset: {data.get('dataset')} (sha256 `{data.get('sha256')}`)",
        f"- Rows: {data.get('rows')}; target: `{data.get('target')}`; positive class: {data.get('positive_class')}",
        f"- Classes: {', '.join(str(c) for c in data.get('classes', []))}",
        f"- Input columns ({len(data.get('feature_columns', []))}): {', '.join(data.get('feature_columns', []))}",
        "",
        "## Split",
        f"- Method: {split.get('method')}; seed {split.get('seed')}; sizes {split.get('sizes')}",
        f"- Trained on {model.get('train_fraction', 1.0):.0%} of the training split "
        f"({model.get('n_train')} rows)",
        "",
        "## Metrics",
        "",
        f"Validation ({metrics.get('validation', {}).get('n')} rows; the model was selected and its threshold "
        "chosen on these rows, so they flatter it a little):",
        "",
        "| metric | value |",
        "|---|---|",
        *_metric_lines(metrics.get("validation", {})),
        "",
    ]
    test = metrics.get("test")
    look = metrics.get("test_look")
    if test:
        parts += [
            f"Test (a budgeted look: ledger row `{(look or {}).get('ledger_id')}`, {(look or {}).get('reason')}):",
            "",
            "| metric | value |",
            "|---|---|",
            *_metric_lines(test),
            "",
        ]
    else:
        parts += [
            "Test: no budgeted look at the test split was spent on this model; it has no test metrics.",
            "",
        ]
    threshold = card.get("threshold", {})
    parts += [
        "## Decision threshold",
        f"- {threshold.get('value')} ({threshold.get('rule')})",
        "",
        "## Intended use (from the project's questionnaire)",
        *(f"- {key.replace('_', ' ').capitalize()}: {value}" for key, value in use.items()),
        "",
        "## Limits",
        *(f"- {line}" for line in card.get("limits", [])),
        "",
        "## Versions",
        *(f"- {name} {version}" for name, version in card.get("versions", {}).items()),
        "",
    ]
    return "\n".join(parts)
