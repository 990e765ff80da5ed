"""The report's "Learning curves" and "From the journal" sections, as the template shows them.

Tolerant like the rest of the report: a missing part leaves its section out (None) instead of failing, and
a learning-curve point that failed is listed as failed.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from workers.numbers import as_number
from workers.report import charts
from workers.report.model import CurvePoint, HistorySection, LearningCurves


def learning_curves_view(curves: LearningCurves | None) -> dict[str, Any] | None:
    """Chart, sentences and a table of the measured points; None when the report has no learning curves."""
    models = curves.models if curves else []
    if curves is None or not models:
        return None
    series: list[charts.Series] = []
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for i, model in enumerate(models):
        name = model.name or f"model {i + 1}"
        colour = charts.PALETTE[i % len(charts.PALETTE)]  # a model's dots and fitted line share a colour
        points = list(model.points)
        measured = [p for p in points if as_number(p.val_roc_auc) is not None]
        fitted = model.fitted_curve
        has_fit = bool(fitted and fitted.n_train and fitted.val_roc_auc)
        series.append(
            charts.Series(
                name,
                [p.n_train for p in measured],
                [p.val_roc_auc for p in measured],
                colour=colour,
                label=f"{name}, measured" if has_fit else name,
                # Without a fit the measured points are joined, so every model still has one line.
                draw="points" if has_fit else "auto",
            )
        )
        if fitted and has_fit:
            series.append(
                charts.Series(
                    name,
                    list(fitted.n_train),
                    list(fitted.val_roc_auc),
                    colour=colour,
                    label=f"{name}, fitted power law",
                    draw="line",
                )
            )
        rows.append({"name": name, "role": model.role, "points": points, "reason": model.reason})
        failures.extend(
            {"name": name, "fraction": p.train_fraction, "error": p.error}
            for p in points
            if p.status == "failed"
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
        "sentences": list(curves.sentences),
        "still_rising": curves.still_rising,
        "expected_gain": curves.expected_gain_next_doubling,
        "fractions": sorted({f for row in rows for f in row["by_fraction"]}),
        "rows": rows,
        "failures": failures,
    }


def history_view(history: HistorySection | None) -> dict[str, Any] | None:
    """Sentences about similar past datasets, the rule that picked them, and the datasets themselves."""
    if history is None or not history.sentences:
        return None
    return {"sentences": list(history.sentences), "rule": history.rule, "similar": list(history.similar)}


def _by_fraction(points: list[CurvePoint]) -> dict[float, CurvePoint]:
    return {f: p for p in points if (f := as_number(p.train_fraction)) is not None}
