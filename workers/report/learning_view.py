"""The report's "Learning curves" and "From the journal" sections, as the template shows them.

Tolerant like the rest of the report: a missing part leaves its section out (None) instead of failing, and
a learning-curve point that failed is listed as failed.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from workers.numbers import as_number, format_count, format_delta, format_metric
from workers.report import charts
from workers.report.model import (
    CurveBacktest,
    CurveModel,
    CurvePoint,
    HistorySection,
    LearningCurves,
    RowsNeeded,
)


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
        if (backtest := model.backtest) is not None and backtest.predicted_at:
            # The back-test's prediction as open dots beside the measured point it predicted.
            series.append(
                charts.Series(
                    f"{name} back-test",
                    list(backtest.predicted_at),
                    list(backtest.predicted),
                    colour=colour,
                    dashed=True,
                    label=f"{name}, back-test: predicted from the smaller points",
                    draw="points",
                )
            )
        rows.append({"name": name, "role": model.role, "points": points, "reason": model.reason})
        failures.extend(
            {"name": name, "fraction": p.train_fraction, "error": p.error}
            for p in points
            if p.status == "failed"
        )
    targets = {r.target for m in models if (r := m.rows_needed) is not None and r.target is not None}
    chart = charts.line_chart(
        series,
        title="Learning curves, validation split",
        x_label="training rows (log scale)",
        y_label="validation ROC-AUC",
        x_log=True,
        markers=[charts.Marker(float(t), f"target {t:.3f}", axis="y") for t in sorted(targets)],
        description="Dots are measured, lines the fitted power law auc(n) = a − b·n^(−c), weighted by each "
        "point's standard error and drawn up to four times the training split (only over the measured sizes for "
        "an ill-behaved curve). The back-test dot is the curve fitted on the smaller points predicting the "
        "largest. A line still climbing at the right says more labelled rows would help.",
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
        "forecast": [f for m in models if (f := forecast_row(m)) is not None],
    }


def forecast_row(model: CurveModel) -> dict[str, Any] | None:
    """What one model's weighted fit says, as table cells: gain per doubling, ceiling, rows needed,
    back-test and problems; None for a curve without the weighted fit (an older report)."""
    if model.quality is None:
        return None
    gain = format_interval_text(model.expected_gain_next_doubling, model.gain_ci_low, model.gain_ci_high, 4)
    ceiling = model.ceiling
    if not model.quality.ok:  # an ill-behaved curve is not extrapolated: no gain, no ceiling
        gain = "—"
        ceiling = None
    return {
        "name": model.name,
        "still_rising": model.still_rising,
        "gain": gain,
        "ceiling": format_interval_text(ceiling.value, ceiling.ci_low, ceiling.ci_high, 3)
        if ceiling
        else "—",
        "rows_needed": rows_needed_text(model.rows_needed),
        "backtest": backtest_text(model.backtest),
        "ok": bool(model.quality.ok),
        "problems": list(model.quality.problems),
    }


def format_interval_text(value: object, low: object, high: object, digits: int) -> str:
    """'0.0120 [0.0040, 0.0210]'; an open upper end reads 'more'."""
    v, lo, hi = as_number(value), as_number(low), as_number(high)
    if v is None:
        return "—"
    text = f"{v:.{digits}f}"
    if lo is not None:
        text += f" [{lo:.{digits}f}, {f'{hi:.{digits}f}' if hi is not None else 'more'}]"
    return text


def rows_needed_text(rows: RowsNeeded | None) -> str:
    """'12,000 [8,000, 20,000] rows for 0.950', or the reason there is no number."""
    if rows is None or rows.target is None:
        return "no target set"
    value, low, high = as_number(rows.value), as_number(rows.ci_low), as_number(rows.ci_high)
    if value is None:
        return rows.reason or "—"
    upper = f"{high:,.0f}" if high is not None else "beyond"
    return f"{value:,.0f} [{low if low is None else f'{low:,.0f}'}, {upper}] rows for {rows.target:.3f}"


def backtest_text(backtest: CurveBacktest | None) -> str:
    """'predicted 0.871 at 2,400 rows, measured 0.868 (error +0.003)'."""
    if backtest is None or not backtest.predicted:
        return "— (needs 4 points)"
    parts = []
    for at, predicted, observed, error in zip(
        backtest.predicted_at, backtest.predicted, backtest.observed, backtest.error, strict=False
    ):
        parts.append(
            f"predicted {format_metric(predicted)} at {format_count(at)} rows, measured {format_metric(observed)} "
            f"(error {format_delta(error)})"
        )
    return "; ".join(parts)


def history_view(history: HistorySection | None) -> dict[str, Any] | None:
    """Sentences about similar past datasets, the rule that picked them, and the datasets themselves."""
    if history is None or not history.sentences:
        return None
    return {"sentences": list(history.sentences), "rule": history.rule, "similar": list(history.similar)}


def _by_fraction(points: list[CurvePoint]) -> dict[float, CurvePoint]:
    return {f: p for p in points if (f := as_number(p.train_fraction)) is not None}
