"""The assessment report as one self-contained HTML page.

`render_html(report)` turns the `Report` (or its stored JSON) into a page that opens
offline and from an e-mail attachment: the stylesheet is inlined, the charts are inline SVG drawn by
`workers.report.charts`, and there is no script and no URL of any kind. A Content-Security-Policy in
the page forbids loading anything, so a value that slipped past escaping still could not phone home.

Every section of a `Report` is optional: a section whose data is missing is left out (or says what is
missing) rather than failing, because a report of a half-finished or failed assessment is exactly when a
user needs to read one. The views read the model's attributes; stored JSON that is no report at all (text
where a list belongs) is refused by the model (`pydantic.ValidationError`) rather than half-drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from workers.numbers import (
    DASH,
    as_number,
    format_ci,
    format_count,
    format_delta,
    format_interval,
    format_loss,
    format_lr,
    format_metric,
    format_p,
    format_p_clause,
    format_percent,
    format_seconds,
)
from workers.report import charts
from workers.report.deep_choice import deep_choice
from workers.report.deep_extras import deep_extras, other_deep_models
from workers.report.economics_view import economics_view
from workers.report.images_view import images_view
from workers.report.interval_methods import interval_methods_note
from workers.report.learning_view import history_view, learning_curves_view
from workers.report.model import (
    Comparison,
    DatasetSection,
    Diagnostics,
    Elapsed,
    Epoch,
    Finding,
    GradientNorms,
    Interval,
    LrRangeTest,
    ModelEntry,
    OverfitCheck,
    Readiness,
    Report,
    SplitSection,
    TestBudget,
    VerdictSection,
    as_report,
    present,
)
from workers.report.noise_view import label_noise_view
from workers.report.recommendation_view import recommendation_view
from workers.report.split_view import split_extras
from workers.rubric.glossary import report_glossary

CRITERIA: dict[str, str] = {
    "dataset": "Dataset",
    "reuse": "Reuse",
    "feasibility": "Feasibility",
    "payoff": "Payoff",
    "fault_tolerance": "Fault tolerance",
}
READINESS_VERDICTS: dict[str, str] = {
    "ready": "Ready",
    "promising_with_gaps": "Promising, with gaps",
    "not_ready": "Not ready",
    "insufficient_information": "Insufficient information",
}
# Verdict code -> (words on the badge, tone). Both "simple model" and "deep learning" are good news:
# either way the team knows what to build.
VERDICTS: dict[str, tuple[str, str]] = {
    "deep_learning_worth_it": ("Deep learning is worth it", "good"),
    "simple_model_good_enough": ("Simple model is good enough", "good"),
    "collect_more_data": ("Collect more data", "warn"),
    "inconclusive": ("Inconclusive", "warn"),
    "no_signal": ("No usable signal", "bad"),
    "not_feasible_yet": ("Not feasible yet", "bad"),
    "fix_data_first": ("Fix the data first", "bad"),
}
# Check codes whose words need more than "snake_case -> words" to read right.
CHECK_NAMES: dict[str, str] = {
    "id_like_column": "ID-like column",
    "label_leakage": "Label leakage",
    "target_leakage": "Target leakage",
    "missingness_predicts_label": "Missingness predicts the label",
    "duplicates_across_splits": "Duplicates across splits",
    "near_duplicate_rows": "Near-duplicate rows",
    "near_leakage": "Strong single column (possible leak)",
    "too_good_to_be_true": "Too good to be true",
}
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")  # display order: what blocks work first
METRICS: tuple[tuple[str, str], ...] = (
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("f1", "F1"),
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC"),
)


# ------------------------------------------------------------------------------------------ rendering


def render_html(report: Report | Mapping[str, Any]) -> str:
    """The report as a self-contained HTML page (inline CSS and SVG, no script, no external URL)."""
    return _environment().get_template("report.html").render(**report_view(report))


@cache
def _environment() -> jinja2.Environment:
    """The report's templates, with `REPORT_FILTERS`."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("workers.report", "templates"),
        autoescape=True,  # column names, labels and messages come from user data
        undefined=jinja2.StrictUndefined,  # a typo in the template fails tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(REPORT_FILTERS)
    return env


@cache
def _stylesheet() -> Markup:
    # Our own file, not user data: safe to inline unescaped (escaping would turn `>` selectors into `&gt;`).
    return Markup((files("workers.report") / "templates" / "report.css").read_text(encoding="utf-8"))


def report_view(report: Report | Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, with the tolerance for missing parts handled here, not in Jinja."""
    report = as_report(report)
    dataset = present(report.dataset)
    comparison = present(report.comparison)
    deep = _deep_model(report.models, comparison)
    view: dict[str, Any] = {
        "css": _stylesheet(),
        "metrics": METRICS,
        "version": report.readiness_version,
        "created_at": report.created_at,
        "created_at_text": _timestamp(report.created_at),
        "dataset": dataset,
        "verdict": _verdict(report.verdict),
        "recommendation": recommendation_view(report.recommendation),
        "readiness": readiness_view(report.readiness),
        "check_groups": check_groups(report.checks),
        "models": _models(report.models, comparison, deep),
        "comparison": comparison,
        "interval_note": interval_methods_note(report.models),
        "comparison_test": comparison_test_name(comparison, dataset),
        "comparison_interval": comparison_interval(comparison),
        "class_results": class_results(report.models, dataset, comparison),
        "curves": _curves(report.models, dataset),
        "learning_curves": learning_curves_view(report.learning_curves),
        "history": history_view(report.history),
        "economics": economics_view(report.economics),
        "label_noise": label_noise_view(report.label_noise),
        "images": images_view(report.images, dataset),
        "deep": _deep_view(deep),
        "deep_others": [
            _deep_view(m, slug=f"deep-{i}")
            for i, m in enumerate(other_deep_models(report.models, report.deep, deep), start=2)
        ],
        "deep_choice": deep_choice(report),
        "split": _split(report.split, report.test_budget),
        "columns": _columns(dataset),
        "classes": _classes(dataset),
        "timings": _timings(report.timings, report.elapsed),
        "glossary": report_glossary(),  # ROC-AUC, PR-AUC and the test budget, explained before first use
    }
    view["sections"] = _sections(view)
    return view


def words(code: object) -> str:
    """A snake_case code as words: "deep_model" -> "deep model"."""
    return str(code).replace("_", " ") if code is not None else DASH


def format_metric_ci(metric: object, *, separator: str = " ") -> str:
    """`format_ci` for a report's `Interval` as well as for a plain `{value, ci_low, ci_high}` mapping."""
    if isinstance(metric, Interval):
        return format_interval(metric.value, metric.ci_low, metric.ci_high, separator=separator)
    return format_ci(metric, separator=separator)


# The Jinja filters every page that shows a report uses (this file's template and the dashboard), so both
# format numbers and codes alike.
REPORT_FILTERS: dict[str, Callable[..., str]] = {
    "metric": format_metric,
    "ci": format_metric_ci,
    "p": format_p,
    "p_clause": format_p_clause,
    "seconds": format_seconds,
    "percent": format_percent,
    "delta": format_delta,
    "count": format_count,
    "loss": format_loss,
    "lr": format_lr,
    "words": words,
}


def _timestamp(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        moment = datetime.fromisoformat(v)
    except ValueError:
        return v
    # %Z reads "UTC" for a "Z" timestamp and "UTC+01:00" for an offset; nothing for a naive one.
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _sections(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(anchor, heading) of the sections present, in page order, for the table of contents."""
    present = [
        ("readiness", "Readiness", view["readiness"]),
        ("checks", "Data checks", view["check_groups"]),
        ("models", "Models on the test split", view["models"]),
        ("per-class", "Per-class results", view["class_results"]),
        ("images", "Images", view["images"]),
        ("curves", "ROC and PR curves", view["curves"]),
        ("learning", "Learning curves", view["learning_curves"]),
        ("economics", "Payoff in money", view["economics"]),
        ("history", "From the journal", view["history"]),
        ("label-noise", "Label noise", view["label_noise"]),
        ("deep", "Deep model diagnostics", view["deep"]),
        ("split", "Split and test budget", view["split"]),
        ("dataset", "Dataset", view["columns"] or view["classes"]),
        ("timings", "Timings", view["timings"]),
    ]
    return [(anchor, heading) for anchor, heading, data in present if data]


def _verdict(v: VerdictSection | None) -> dict[str, Any] | None:
    verdict = present(v)
    if verdict is None:
        return None
    code = verdict.code or ""
    label, tone = VERDICTS.get(code, (words(code) if code else "No verdict", "neutral"))
    return {"code": code, "label": label, "tone": tone, "summary": verdict.summary}


def readiness_view(v: Readiness | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The readiness criteria as rows and a bar chart: a report's, or a project's scores from its answers."""
    readiness = present(Readiness.model_validate(v) if isinstance(v, Mapping) else v)
    if readiness is None:
        return None
    criteria = readiness.criteria
    weakest = readiness.weakest
    keys = [k for k in CRITERIA if k in criteria] + [k for k in criteria if k not in CRITERIA]
    rows: list[dict[str, Any]] = []
    for key in keys:
        c = criteria[key]
        score = as_number(c.score)
        rows.append(
            {
                "key": key,
                "name": CRITERIA.get(key, words(key)),
                "score": None if score is None else round(score),
                "findings": list(c.findings),
                "recommendation": c.recommendation,
                "unanswered": list(c.unanswered),
                "evidence_used": bool(c.evidence_used),
                "weakest": key == weakest,
            }
        )
    bars = [charts.Bar(r["name"], r["score"], highlight=r["weakest"]) for r in rows]
    chart = charts.bar_chart(
        bars,
        title="Readiness by criterion",
        x_label="score (0–100)",
        highlight_label="weakest criterion (gates the overall score)",
        chart_id="chart-readiness",
    )
    overall = as_number(readiness.overall)
    verdict = readiness.verdict
    return {
        "criteria": rows,
        "overall": None if overall is None else round(overall),
        "verdict": READINESS_VERDICTS.get(verdict, words(verdict)) if verdict else None,
        "weakest": CRITERIA.get(weakest, words(weakest)) if weakest else None,
        "chart": Markup(chart),  # charts.py escapes every text it draws
    }


def check_groups(v: Sequence[Finding | Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Findings grouped by severity, errors first and leakage first among them: a report's checks, or a
    dataset's as stored at upload."""
    checks = [c if isinstance(c, Finding) else Finding.model_validate(c) for c in v or []]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        severity = c.severity or "info"
        name = c.check or ""
        groups.setdefault(severity, []).append(
            {
                "check": name,
                "title": CHECK_NAMES.get(name, words(name).capitalize() if name else "Check"),
                "message": c.message,
                "columns": list(c.columns),
                # Leakage makes every later number a lie, so it is flagged above all other errors.
                "leakage": "leak" in name.lower() or name == "too_good_to_be_true",
            }
        )
    for items in groups.values():
        items.sort(key=lambda c: not c["leakage"])
    return [
        {"severity": s, "items": groups[s]}
        for s in sorted(groups, key=lambda s: (order.get(s, len(order)), s))
    ]


def _deep_model(models: list[ModelEntry], comparison: Comparison | None) -> ModelEntry | None:
    name = comparison.deep if comparison else None
    named = [m for m in models if name and m.name == name]
    candidates = named or [m for m in models if m.family == "deep"]
    return candidates[0] if candidates else None


def _models(
    models: list[ModelEntry], comparison: Comparison | None, deep: ModelEntry | None
) -> list[dict[str, Any]]:
    best = comparison.best_baseline if comparison else None
    rows = []
    for m in models:
        test = present(m.test)
        rows.append(
            {
                "name": m.name or "unnamed model",
                "family": m.family,
                "status": m.status or "ok",
                "error": m.error,
                "device": m.device,
                "fit_seconds": m.fit_seconds,
                "best_baseline": best is not None and m.name == best,
                "deep": m is deep,
                "test": {key: getattr(test, key) if test else None for key, _ in METRICS},
                "threshold": test.threshold if test else None,
                "n": test.n if test else None,
                "n_positive": test.n_positive if test else None,
                "has_test": test is not None,
                "validation": m.validation or {},
            }
        )
    return rows


def comparison_interval(comparison: Comparison | None) -> str | None:
    """"95% interval [−0.008, +0.032]; the gain that matters: 0.01": the ΔROC-AUC interval the verdict
    reads against the margin, or None for a report from before it was stored."""
    if comparison is None or comparison.delta_ci_low is None or comparison.delta_ci_high is None:
        return None
    text = f"95% interval [{format_delta(comparison.delta_ci_low)}, {format_delta(comparison.delta_ci_high)}]"
    return f"{text}; the gain that matters: {comparison.margin:g}" if comparison.margin is not None else text


def comparison_test_name(comparison: Comparison | None, dataset: DatasetSection | None) -> str:
    """The paired test the comparison ran, by its real name: DeLong's for a binary target, a paired
    bootstrap for a multiclass one. A report from before `test` was stored is named by its class count."""
    if comparison is not None and comparison.test:
        return comparison.test
    return "paired bootstrap" if dataset is not None and len(dataset.classes) > 2 else "DeLong"


def class_results(
    models: list[ModelEntry], dataset: DatasetSection | None, comparison: Comparison | None = None
) -> list[dict[str, Any]]:
    """Each multiclass model's confusion matrix (a heatmap and a table) and per-class precision, recall and
    F1 with intervals; empty for a binary target and for reports from before these were computed. The two
    compared models (best baseline, deep) are `open`; without a comparison, the first model is."""
    compared = {comparison.best_baseline, comparison.deep} - {None} if comparison else set()
    views: list[dict[str, Any]] = []
    names = [str(c) for c in dataset.classes] if dataset else []
    for i, m in enumerate(models):
        test = present(m.test)
        matrix = present(test.confusion_matrix) if test else None
        if test is None or (matrix is None and not test.per_class):
            continue
        name = m.name or f"model {i + 1}"
        view: dict[str, Any] = {
            "name": name,
            "slug": f"model-{i + 1}",  # for element ids: a model's name may hold anything
            "per_class": test.per_class,
            "method": test.per_class_method,
            "open": m.name in compared if compared else not views,
            "matrix": None,
            "chart": None,
        }
        if matrix is not None and matrix.counts:
            classes = [str(c) for c in matrix.classes] or names or [str(k) for k in range(len(matrix.counts))]
            rows = [
                {
                    "name": c,
                    "cells": [{"n": n, "diagonal": j == k} for j, n in enumerate(row)],
                    "total": sum(row),
                }
                for k, (c, row) in enumerate(zip(classes, matrix.counts, strict=False))
            ]
            view["matrix"] = {"classes": classes, "rows": rows, "total": sum(r["total"] for r in rows)}
            chart = charts.confusion_heatmap(
                classes,
                matrix.counts,
                title=f"Confusion matrix, test split: {name}",
                description="Each cell is shaded by its share of the true class's rows.",
                chart_id=f"chart-confusion-{view['slug']}",
            )
            view["chart"] = Markup(chart)  # charts.py escapes every text it draws
        views.append(view)
    return views


def _curves(models: list[ModelEntry], dataset: DatasetSection | None) -> dict[str, Any] | None:
    """ROC and PR charts of every model with curves; None when no model has any (e.g. multiclass)."""
    roc: list[charts.Series] = []
    pr: list[charts.Series] = []
    for i, m in enumerate(models):
        name = m.name or f"model {i + 1}"
        colour = charts.PALETTE[i % len(charts.PALETTE)]  # one colour per model on both charts
        test = m.test
        r = m.curves.roc if m.curves else None
        p = m.curves.pr if m.curves else None
        if r and r.fpr and r.tpr:
            auc = test.roc_auc.value if test and test.roc_auc else None
            label = f"{name} (AUC {format_metric(auc)})"
            roc.append(charts.Series(name, list(r.fpr), list(r.tpr), colour=colour, label=label))
        if p and p.recall and p.precision:
            auc = test.pr_auc.value if test and test.pr_auc else None
            label = f"{name} (AUC {format_metric(auc)})"
            pr.append(charts.Series(name, list(p.recall), list(p.precision), colour=colour, label=label))
    if not roc and not pr:
        return None
    unit = (0.0, 1.0)
    roc_chart = charts.line_chart(
        roc,
        title="ROC curves, test split",
        x_label="false positive rate",
        y_label="true positive rate",
        x_range=unit,
        y_range=unit,
        diagonal=True,
        description="Higher and further left is better; the dashed diagonal is a model that ranks at random.",
        chart_id="chart-roc",
    )
    rate = as_number(dataset.positive_rate) if dataset else None
    markers = [charts.Marker(rate, f"chance: positive rate {format_percent(rate)}", axis="y")] if rate else []
    pr_chart = charts.line_chart(
        pr,
        title="Precision–recall curves, test split",
        x_label="recall",
        y_label="precision",
        x_range=unit,
        y_range=unit,
        markers=markers,
        description="Higher is better; a model that ranks at random has precision equal to the positive rate.",
        chart_id="chart-pr",
    )
    return {"roc": Markup(roc_chart), "pr": Markup(pr_chart)}


def _deep_view(model: ModelEntry | None, slug: str = "deep") -> dict[str, Any] | None:
    """The deep model's training diagnostics; a failed or skipped model has only part of them."""
    if model is None:
        return None
    diag = model.diagnostics or Diagnostics()
    status = model.status or "ok"
    overfit = present(diag.overfit_check)
    grads = present(diag.gradient_norms)
    view: dict[str, Any] = {
        "name": model.name or "deep model",
        "status": status,
        "error": model.error,
        "overfit": _overfit(overfit) if overfit else None,
        "initialisation": diag.initialisation,
        "mixed_precision": diag.mixed_precision,
        "device": diag.device or model.device,
        "n_parameters": diag.n_parameters,
        "rows_per_second": diag.train_rows_per_second,
        "best_epoch": diag.best_epoch,
        "stopped_early": diag.stopped_early,
        "stop_reason": diag.stop_reason,
        "profile": diag.profile,  # TabM's
        "time_budget_s": diag.time_budget_s,
        "k": diag.k,
        "epochs": diag.epochs,
        "lr": None,
        "charts": [],
        "gradients": None,
    }
    # Keys later families add (architecture, backbone, training phases...), shown without a template change.
    view.update(deep_extras(diag, slug))
    # A model that failed or was skipped has no training to show; its error is the message.
    if status != "ok":
        return view
    if lr_test := present(diag.lr_range_test):
        view["lr"] = {"chosen": lr_test.chosen_lr, "method": lr_test.method}
        view["charts"].append(_lr_chart(lr_test))
    if diag.epochs:
        view["charts"].extend(_epoch_charts(diag.epochs, as_number(diag.best_epoch)))
    if grads:
        view["gradients"] = _gradients(grads, diag.epochs)
    view["charts"] = [Markup(c) for c in view["charts"]]
    return view


def _overfit(check: OverfitCheck) -> dict[str, Any]:
    passed = check.passed
    if check.skipped or passed is None:
        outcome, tone = "Skipped", "neutral"
    else:
        outcome, tone = ("Passed", "good") if passed else ("Failed", "bad")
    return {
        "outcome": outcome,
        "tone": tone,
        "n_examples": check.n_examples,
        "steps": check.steps,
        "initial_loss": check.initial_loss,
        "final_loss": check.final_loss,
        "threshold": check.threshold,
    }


def _lr_chart(lr_test: LrRangeTest) -> str:
    lrs, losses = list(lr_test.lrs), list(lr_test.losses)
    finite = [x for x in (as_number(v) for v in losses) if x is not None]
    # Past the best LR the loss explodes by orders of magnitude; cap the axis so the useful dip stays visible.
    top = min(max(finite), 2 * finite[0]) if finite and finite[0] > 0 else None
    chosen = as_number(lr_test.chosen_lr)
    markers = [charts.Marker(chosen, f"chosen {format_lr(chosen)}")] if chosen and chosen > 0 else []
    return charts.line_chart(
        [charts.Series("loss", lrs, losses, colour=charts.PALETTE[0], label="training loss")],
        title="Learning-rate range test",
        x_label="learning rate (log scale)",
        y_label="training loss",
        x_log=True,
        y_range=(None, top),
        markers=markers,
        description=f"Method: {lr_test.method or 'not stated'}. Losses above the axis are drawn at its top.",
        chart_id="chart-lr-range",
    )


def _epoch_charts(epochs: list[Epoch], best: float | None) -> list[str]:
    xs = [e.epoch for e in epochs]
    markers = [charts.Marker(best, f"best epoch {best:.0f}")] if best is not None else []
    loss = charts.line_chart(
        [
            charts.Series("train", xs, [e.train_loss for e in epochs], label="training loss"),
            charts.Series("validation", xs, [e.val_loss for e in epochs], label="validation loss"),
        ],
        title="Loss per epoch",
        x_label="epoch",
        y_label="loss",
        markers=markers,
        description="Validation loss rising while training loss falls is overfitting; early stopping keeps "
        "the best epoch.",
        chart_id="chart-loss",
    )
    auc = charts.line_chart(
        [charts.Series("validation ROC-AUC", xs, [e.val_roc_auc for e in epochs])],
        title="Validation ROC-AUC per epoch",
        x_label="epoch",
        y_label="ROC-AUC",
        markers=markers,
        chart_id="chart-val-auc",
    )
    return [loss, auc]


def _gradients(grads: GradientNorms, epochs: list[Epoch]) -> dict[str, Any]:
    layers = list(grads.layers)
    per_epoch = list(grads.per_epoch)
    vanishing, exploding = set(grads.vanishing), set(grads.exploding)
    # The epochs table numbers epochs; without it, count from 1.
    xs = [e.epoch for e in epochs] if len(epochs) == len(per_epoch) else list(range(1, len(per_epoch) + 1))
    series = []
    rows = []
    for j, layer in enumerate(layers):
        ys = [row[j] if j < len(row) else None for row in per_epoch]
        flag = "exploding" if layer in exploding else "vanishing" if layer in vanishing else None
        series.append(charts.Series(layer, xs, ys, label=f"{layer} ({flag})" if flag else layer))
        rows.append(
            {"layer": layer, "first": ys[0] if ys else None, "last": ys[-1] if ys else None, "flag": flag}
        )
    chart = charts.line_chart(
        series,
        title="Gradient norm per layer",
        x_label="epoch",
        y_label="gradient L2 norm (log scale)",
        y_log=True,
        description=f"Rule: {grads.rule or 'not stated'}.",
        chart_id="chart-gradients",
    )
    return {
        "chart": Markup(chart),
        "rows": rows,
        "vanishing": sorted(vanishing),
        "exploding": sorted(exploding),
        "rule": grads.rule,
    }


def _split(v: SplitSection | None, budget: TestBudget | None) -> dict[str, Any] | None:
    split, test_budget = present(v), present(budget)
    if split is None and test_budget is None:
        return None
    sizes = {k: as_number(n) for k, n in (split.sizes if split else {}).items()}
    total = sum(n for n in sizes.values() if n is not None)
    limit = as_number(test_budget.limit) if test_budget else None
    used = as_number(test_budget.used) if test_budget else None
    looks = None
    if limit is not None and used is not None:
        limit, used = round(limit), round(used)
        looks = f"Test split looked at {used} of {limit} time{'s' if limit != 1 else ''}"
    return {
        "method": split.method if split else None,
        "seed": split.seed if split else None,
        "stratified": split.stratified if split else None,
        "split_id": split.split_id if split else None,
        "rows": [
            {"name": k, "n": n, "share": (n / total) if n is not None and total else None}
            for k, n in sizes.items()
        ],
        "limit": limit,
        "used": used,
        "looks": looks,
        "exhausted": limit is not None and used is not None and used >= limit,
        "shared": test_budget.shared_with if test_budget else None,
        **split_extras(split),
    }


def _columns(dataset: DatasetSection | None) -> list[dict[str, Any]]:
    if dataset is None:
        return []
    excluded = {str(e.name): e.reason for e in dataset.excluded_columns}
    rows = []
    for p in dataset.column_profiles:
        name = str(p.name)
        rows.append(
            {
                "name": name,
                "kind": p.kind,
                "dtype": p.dtype,
                "missing_fraction": p.missing_fraction,
                "n_unique": p.n_unique,
                "excluded": name in excluded,
                "reason": excluded.pop(name, None),
            }
        )
    # An excluded column without a profile still deserves its line: the user wants to know why it went.
    rows.extend(
        {
            "name": n,
            "kind": None,
            "dtype": None,
            "missing_fraction": None,
            "n_unique": None,
            "excluded": True,
            "reason": r,
        }
        for n, r in excluded.items()
    )
    return rows


def _classes(dataset: DatasetSection | None) -> list[dict[str, Any]]:
    if dataset is None:
        return []
    counts = {str(k): as_number(n) for k, n in dataset.class_counts.items()}
    names = [str(c) for c in dataset.classes] or list(counts)
    total = sum(n for n in counts.values() if n is not None)
    positive = dataset.positive_label
    return [
        {
            "name": c,
            "n": n,
            "share": n / total if n is not None and total else None,
            "positive": positive is not None and c == str(positive),
        }
        for c in names
        for n in [counts.get(c)]
    ]


def _timings(v: Mapping[str, float | None], elapsed: Elapsed | None = None) -> dict[str, Any] | None:
    timings = {str(k): as_number(s) for k, s in v.items()}
    if not timings:
        return None
    waited = present(elapsed)  # a service run only
    return {
        "rows": list(timings.items()),
        "total": sum(s for s in timings.values() if s is not None),
        "elapsed": _elapsed(waited) if waited and as_number(waited.wall_seconds) is not None else None,
    }


def _elapsed(elapsed: Elapsed) -> dict[str, float | None]:
    """Each of `elapsed`'s durations as a finite number (or None), as the template's filters take them."""
    return {key: as_number(value) for key, value in elapsed.model_dump().items()}
