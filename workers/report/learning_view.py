"""The report's "Learning curves" and "From the journal" sections, as the template shows them.

Tolerant like the rest of the report: a missing or malformed part leaves its section out (None) instead of
failing, and a learning-curve point that failed is listed as failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from workers.numbers import as_number
from workers.report import charts


def learning_curves_view(raw: object) -> dict[str, Any] | None:
    """Chart, sentences and a table of the measured points; None when the report has no learning curves."""
    curves = _mapping(raw)
    models = [m for m in _list(curves.get("models")) if isinstance(m, Mapping)]
    if not models:
        return None
    series: list[charts.Series] = []
    rows, failures = [], []
    for i, model in enumerate(models):
        name = str(model.get("name") or f"model {i + 1}")
        colour = charts.PALETTE[i % len(charts.PALETTE)]  # a model's dots and fitted line share a colour
        points = [p for p in _list(model.get("points")) if isinstance(p, Mapping)]
        measured = [p for p in points if as_number(p.get("val_roc_auc")) is not None]
        fitted = _mapping(model.get("fitted_curve"))
        has_fit = bool(_list(fitted.get("n_train")) and _list(fitted.get("val_roc_auc")))
        series.append(
            charts.Series(
                name,
                [p.get("n_train") for p in measured],
                [p.get("val_roc_auc") for p in measured],
                colour=colour,
                label=f"{name}, measured" if has_fit else name,
                # Without a fit the measured points are joined, so every model still has one line.
                draw="points" if has_fit else "auto",
            )
        )
        if has_fit:
            series.append(
                charts.Series(
                    name,
                    _list(fitted["n_train"]),
                    _list(fitted["val_roc_auc"]),
                    colour=colour,
                    label=f"{name}, fitted power law",
                    draw="line",
                )
            )
        rows.append(
            {"name": name, "role": model.get("role"), "points": points, "reason": model.get("reason")}
        )
        failures.extend(
            {"name": name, "fraction": p.get("train_fraction"), "error": p.get("error")}
            for p in points
            if p.get("status") == "failed"
        )
    chart = charts.line_chart(
        series,
        title="Learning curves, validation split",
        x_label="training rows (log scale)",
        y_label="validation ROC-AUC",
        x_log=True,
        description="Dots are measured, lines the fitted power law auc(n) = a − b·n^(−c), drawn up to four "
        "times the training split. A line still climbing at the right says more labelled rows would help.",
        chart_id="chart-learning-curves",
    )
    for row in rows:
        row["by_fraction"] = _by_fraction(row["points"])
    return {
        "chart": Markup(chart),  # charts.py escapes every text it draws
        "sentences": [str(s) for s in _list(curves.get("sentences"))],
        "still_rising": curves.get("still_rising"),
        "expected_gain": curves.get("expected_gain_next_doubling"),
        "fractions": sorted({f for row in rows for f in row["by_fraction"]}),
        "rows": rows,
        "failures": failures,
    }


def history_view(raw: object) -> dict[str, Any] | None:
    """Sentences about similar past datasets, the rule that picked them, and the datasets themselves."""
    history = _mapping(raw)
    sentences = [str(s) for s in _list(history.get("sentences"))]
    if not sentences:
        return None
    return {
        "sentences": sentences,
        "rule": history.get("rule"),
        "similar": [s for s in _list(history.get("similar")) if isinstance(s, Mapping)],
    }


def _by_fraction(points: list[Mapping[str, Any]]) -> dict[float, Mapping[str, Any]]:
    return {f: p for p in points if (f := as_number(p.get("train_fraction"))) is not None}


def _mapping(v: object) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _list(v: object) -> list[Any]:
    return list(v) if isinstance(v, Sequence) and not isinstance(v, str) else []
