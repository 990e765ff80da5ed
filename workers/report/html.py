"""The assessment report as one self-contained HTML page.

`render_html(report)` turns the report dict that the assessment runner writes into a page that opens
offline and from an e-mail attachment: the stylesheet is inlined, the charts are inline SVG drawn by
`workers.report.charts`, and there is no script and no URL of any kind. A Content-Security-Policy in
the page forbids loading anything, so a value that slipped past escaping still could not phone home.

Everything in the report but the top-level dict itself is optional: a section whose data is missing is
left out (or says what is missing) rather than failing, because a report of a half-finished or failed
assessment is exactly when a user needs to read one.
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
    format_loss,
    format_lr,
    format_metric,
    format_p,
    format_p_clause,
    format_percent,
    format_seconds,
)
from workers.report import charts
from workers.report.learning_view import history_view, learning_curves_view

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


def render_html(report: Mapping[str, Any]) -> str:
    """The report as a self-contained HTML page (inline CSS and SVG, no script, no external URL)."""
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be a mapping, however: {type(report).__name__}")
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


def report_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, with the tolerance for missing parts handled here, not in Jinja."""
    dataset = _mapping(report.get("dataset"))
    models = [m for m in _list(report.get("models")) if isinstance(m, Mapping)]
    comparison = _mapping(report.get("comparison")) or None
    deep = _deep_model(models, comparison)
    view = {
        "css": _stylesheet(),
        "metrics": METRICS,
        "version": report.get("readiness_version"),
        "created_at": report.get("created_at"),
        "created_at_text": _timestamp(report.get("created_at")),
        "dataset": dataset or None,
        "verdict": _verdict(report.get("verdict")),
        "readiness": readiness_view(report.get("readiness")),
        "check_groups": check_groups(report.get("checks")),
        "models": _models(models, comparison, deep),
        "comparison": comparison,
        "curves": _curves(models, dataset),
        "learning_curves": learning_curves_view(report.get("learning_curves")),
        "history": history_view(report.get("history")),
        "deep": _deep_view(deep),
        "split": _split(report.get("split"), report.get("test_budget")),
        "columns": _columns(dataset),
        "classes": _classes(dataset),
        "timings": _timings(report.get("timings"), report.get("elapsed")),
    }
    view["sections"] = _sections(view)
    return view


def _mapping(v: object) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _list(v: object) -> list[Any]:
    return list(v) if isinstance(v, Sequence) and not isinstance(v, str) else []


def words(code: object) -> str:
    """A snake_case code as words: "deep_model" -> "deep model"."""
    return str(code).replace("_", " ") if code is not None else DASH


# The Jinja filters every page that shows a report uses (this file's template and the dashboard), so both
# format numbers and codes alike.
REPORT_FILTERS: dict[str, Callable[..., str]] = {
    "metric": format_metric,
    "ci": format_ci,
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


def _timestamp(v: object) -> str | None:
    if not isinstance(v, str):
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
        ("curves", "ROC and PR curves", view["curves"]),
        ("learning", "Learning curves", view["learning_curves"]),
        ("history", "From the journal", view["history"]),
        ("deep", "Deep model diagnostics", view["deep"]),
        ("split", "Split and test budget", view["split"]),
        ("dataset", "Dataset", view["columns"] or view["classes"]),
        ("timings", "Timings", view["timings"]),
    ]
    return [(anchor, heading) for anchor, heading, data in present if data]


def _verdict(v: object) -> dict[str, Any] | None:
    verdict = _mapping(v)
    if not verdict:
        return None
    code = str(verdict.get("code") or "")
    label, tone = VERDICTS.get(code, (words(code) if code else "No verdict", "neutral"))
    return {"code": code, "label": label, "tone": tone, "summary": verdict.get("summary")}


def readiness_view(v: object) -> dict[str, Any] | None:
    readiness = _mapping(v)
    if not readiness:
        return None
    criteria = _mapping(readiness.get("criteria"))
    weakest = readiness.get("weakest")
    keys = [k for k in CRITERIA if k in criteria] + [k for k in criteria if k not in CRITERIA]
    rows = []
    for key in keys:
        c = _mapping(criteria[key])
        score = as_number(c.get("score"))
        rows.append(
            {
                "key": key,
                "name": CRITERIA.get(key, words(key)),
                "score": None if score is None else round(score),
                "findings": [str(f) for f in _list(c.get("findings"))],
                "recommendation": c.get("recommendation"),
                "unanswered": [str(q) for q in _list(c.get("unanswered"))],
                "evidence_used": bool(c.get("evidence_used")),
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
    overall = as_number(readiness.get("overall"))
    verdict = readiness.get("verdict")
    return {
        "criteria": rows,
        "overall": None if overall is None else round(overall),
        "verdict": READINESS_VERDICTS.get(str(verdict), words(verdict)) if verdict else None,
        "weakest": CRITERIA.get(str(weakest), words(weakest)) if weakest else None,
        "chart": Markup(chart),  # charts.py escapes every text it draws
    }


def check_groups(v: object) -> list[dict[str, Any]]:
    checks = [c for c in _list(v) if isinstance(c, Mapping)]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        severity = str(c.get("severity") or "info")
        name = str(c.get("check") or "")
        groups.setdefault(severity, []).append(
            {
                "check": name,
                "title": CHECK_NAMES.get(name, words(name).capitalize() if name else "Check"),
                "message": c.get("message"),
                "columns": [str(col) for col in _list(c.get("columns"))],
                # Leakage makes every later number a lie, so it is flagged above all other errors.
                "leakage": "leak" in name.lower(),
            }
        )
    for items in groups.values():
        items.sort(key=lambda c: not c["leakage"])
    return [
        {"severity": s, "items": groups[s]}
        for s in sorted(groups, key=lambda s: (order.get(s, len(order)), s))
    ]


def _deep_model(
    models: list[Mapping[str, Any]], comparison: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    name = (comparison or {}).get("deep")
    named = [m for m in models if name and m.get("name") == name]
    return (named or [m for m in models if m.get("family") == "deep"] or [None])[0]


def _models(
    models: list[Mapping[str, Any]], comparison: Mapping[str, Any] | None, deep: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    best = (comparison or {}).get("best_baseline")
    rows = []
    for m in models:
        test = _mapping(m.get("test"))
        validation = _mapping(m.get("validation"))
        rows.append(
            {
                "name": str(m.get("name") or "unnamed model"),
                "family": m.get("family"),
                "status": str(m.get("status") or "ok"),
                "error": m.get("error"),
                "device": m.get("device"),
                "fit_seconds": m.get("fit_seconds"),
                "best_baseline": best is not None and m.get("name") == best,
                "deep": m is deep,
                "test": {key: test.get(key) for key, _ in METRICS},
                "threshold": test.get("threshold"),
                "n": test.get("n"),
                "n_positive": test.get("n_positive"),
                "has_test": bool(test),
                "validation": validation,
            }
        )
    return rows


def _curves(models: list[Mapping[str, Any]], dataset: Mapping[str, Any]) -> dict[str, Any] | None:
    """ROC and PR charts of every model with curves; None when no model has any (e.g. multiclass)."""
    roc: list[charts.Series] = []
    pr: list[charts.Series] = []
    for i, m in enumerate(models):
        curves = _mapping(m.get("curves"))
        name = str(m.get("name") or f"model {i + 1}")
        colour = charts.PALETTE[i % len(charts.PALETTE)]  # one colour per model on both charts
        test = _mapping(m.get("test"))
        r, p = _mapping(curves.get("roc")), _mapping(curves.get("pr"))
        if r.get("fpr") and r.get("tpr"):
            label = f"{name} (AUC {format_metric(_mapping(test.get('roc_auc')).get('value'))})"
            roc.append(charts.Series(name, _list(r["fpr"]), _list(r["tpr"]), colour=colour, label=label))
        if p.get("recall") and p.get("precision"):
            label = f"{name} (AUC {format_metric(_mapping(test.get('pr_auc')).get('value'))})"
            pr.append(
                charts.Series(name, _list(p["recall"]), _list(p["precision"]), colour=colour, label=label)
            )
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
    rate = as_number(dataset.get("positive_rate"))
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


def _deep_view(model: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if model is None:
        return None
    diag = _mapping(model.get("diagnostics"))
    status = str(model.get("status") or "ok")
    overfit = _mapping(diag.get("overfit_check"))
    epochs = [e for e in _list(diag.get("epochs")) if isinstance(e, Mapping)]
    grads = _mapping(diag.get("gradient_norms"))
    view: dict[str, Any] = {
        "name": str(model.get("name") or "deep model"),
        "status": status,
        "error": model.get("error"),
        "overfit": _overfit(overfit) if overfit else None,
        "initialisation": diag.get("initialisation"),
        "mixed_precision": diag.get("mixed_precision"),
        "device": diag.get("device") or model.get("device"),
        "n_parameters": diag.get("n_parameters"),
        "rows_per_second": diag.get("train_rows_per_second"),
        "best_epoch": diag.get("best_epoch"),
        "stopped_early": diag.get("stopped_early"),
        "stop_reason": diag.get("stop_reason"),
        "epochs": epochs,
        "lr": None,
        "charts": [],
        "gradients": None,
    }
    # A model that failed or was skipped has no training to show; its error is the message.
    if status != "ok":
        return view
    lr_test = _mapping(diag.get("lr_range_test"))
    if lr_test:
        view["lr"] = {"chosen": lr_test.get("chosen_lr"), "method": lr_test.get("method")}
        view["charts"].append(_lr_chart(lr_test))
    if epochs:
        view["charts"].extend(_epoch_charts(epochs, as_number(diag.get("best_epoch"))))
    if grads:
        view["gradients"] = _gradients(grads, epochs)
    view["charts"] = [Markup(c) for c in view["charts"]]
    return view


def _overfit(check: Mapping[str, Any]) -> dict[str, Any]:
    passed = check.get("passed")
    if check.get("skipped") or passed is None:
        outcome, tone = "Skipped", "neutral"
    else:
        outcome, tone = ("Passed", "good") if passed else ("Failed", "bad")
    return {
        "outcome": outcome,
        "tone": tone,
        **{key: check.get(key) for key in ("n_examples", "steps", "initial_loss", "final_loss", "threshold")},
    }


def _lr_chart(lr_test: Mapping[str, Any]) -> str:
    lrs, losses = _list(lr_test.get("lrs")), _list(lr_test.get("losses"))
    finite = [x for x in (as_number(v) for v in losses) if x is not None]
    # Past the best LR the loss explodes by orders of magnitude; cap the axis so the useful dip stays visible.
    top = min(max(finite), 2 * finite[0]) if finite and finite[0] > 0 else None
    chosen = as_number(lr_test.get("chosen_lr"))
    markers = [charts.Marker(chosen, f"chosen {format_lr(chosen)}")] if chosen and chosen > 0 else []
    return charts.line_chart(
        [charts.Series("loss", lrs, losses, colour=charts.PALETTE[0], label="training loss")],
        title="Learning-rate range test",
        x_label="learning rate (log scale)",
        y_label="training loss",
        x_log=True,
        y_range=(None, top),
        markers=markers,
        description=f"Method: {lr_test.get('method') or 'not stated'}. Losses above the axis are drawn at its top.",
        chart_id="chart-lr-range",
    )


def _epoch_charts(epochs: list[Mapping[str, Any]], best: float | None) -> list[str]:
    xs = [e.get("epoch") for e in epochs]
    markers = [charts.Marker(best, f"best epoch {best:.0f}")] if best is not None else []
    loss = charts.line_chart(
        [
            charts.Series("train", xs, [e.get("train_loss") for e in epochs], label="training loss"),
            charts.Series("validation", xs, [e.get("val_loss") for e in epochs], label="validation loss"),
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
        [charts.Series("validation ROC-AUC", xs, [e.get("val_roc_auc") for e in epochs])],
        title="Validation ROC-AUC per epoch",
        x_label="epoch",
        y_label="ROC-AUC",
        markers=markers,
        chart_id="chart-val-auc",
    )
    return [loss, auc]


def _gradients(grads: Mapping[str, Any], epochs: list[Mapping[str, Any]]) -> dict[str, Any]:
    layers = [str(layer) for layer in _list(grads.get("layers"))]
    per_epoch = [_list(row) for row in _list(grads.get("per_epoch"))]
    vanishing = {str(x) for x in _list(grads.get("vanishing"))}
    exploding = {str(x) for x in _list(grads.get("exploding"))}
    # The epochs table numbers epochs; without it, count from 1.
    xs = (
        [e.get("epoch") for e in epochs]
        if len(epochs) == len(per_epoch)
        else list(range(1, len(per_epoch) + 1))
    )
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
        description=f"Rule: {grads.get('rule') or 'not stated'}.",
        chart_id="chart-gradients",
    )
    return {
        "chart": Markup(chart),
        "rows": rows,
        "vanishing": sorted(vanishing),
        "exploding": sorted(exploding),
        "rule": grads.get("rule"),
    }


def _split(v: object, budget: object) -> dict[str, Any] | None:
    split, test_budget = _mapping(v), _mapping(budget)
    if not split and not test_budget:
        return None
    sizes = {k: as_number(n) for k, n in _mapping(split.get("sizes")).items()}
    total = sum(n for n in sizes.values() if n is not None)
    limit, used = as_number(test_budget.get("limit")), as_number(test_budget.get("used"))
    looks = None
    if limit is not None and used is not None:
        limit, used = round(limit), round(used)
        looks = f"Test split looked at {used} of {limit} time{'s' if limit != 1 else ''}"
    return {
        **split,
        "rows": [
            {"name": k, "n": n, "share": (n / total) if n is not None and total else None}
            for k, n in sizes.items()
        ],
        "limit": limit,
        "used": used,
        "looks": looks,
        "exhausted": limit is not None and used is not None and used >= limit,
    }


def _columns(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    excluded = {
        str(e.get("name")): e.get("reason")
        for e in _list(dataset.get("excluded_columns"))
        if isinstance(e, Mapping)
    }
    profiles = [p for p in _list(dataset.get("column_profiles")) if isinstance(p, Mapping)]
    rows = []
    for p in profiles:
        name = str(p.get("name"))
        rows.append({**p, "name": name, "excluded": name in excluded, "reason": excluded.pop(name, None)})
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


def _classes(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    counts = {str(k): as_number(n) for k, n in _mapping(dataset.get("class_counts")).items()}
    names = [str(c) for c in _list(dataset.get("classes"))] or list(counts)
    total = sum(n for n in counts.values() if n is not None)
    positive = dataset.get("positive_label")
    return [
        {
            "name": c,
            "n": counts.get(c),
            "share": counts[c] / total if counts.get(c) is not None and total else None,
            "positive": positive is not None and c == str(positive),
        }
        for c in names
    ]


def _timings(v: object, elapsed: object = None) -> dict[str, Any] | None:
    timings = {str(k): as_number(s) for k, s in _mapping(v).items()}
    if not timings:
        return None
    waited = {str(k): as_number(s) for k, s in _mapping(elapsed).items()}  # a service run only
    return {
        "rows": list(timings.items()),
        "total": sum(s for s in timings.values() if s is not None),
        "elapsed": waited if waited.get("wall_seconds") is not None else None,
    }
