"""Rendering an assessment report in the terminal with rich: what `readiness assess` prints at the end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from workers.numbers import (
    format_count,
    format_interval,
    format_metric,
    format_p,
    format_percent,
    format_seconds,
)
from workers.report.model import (
    Comparison,
    Elapsed,
    Finding,
    HistorySection,
    Interval,
    LearningCurves,
    Readiness,
    Report,
    as_report,
    present,
)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
VERDICT_STYLE = {
    "fix_data_first": "red",
    "not_feasible_yet": "red",
    "collect_more_data": "yellow",
    "inconclusive": "yellow",
    "simple_model_good_enough": "green",
    "deep_learning_worth_it": "green",
}
TEST_METRICS = ("precision", "recall", "f1", "roc_auc", "pr_auc")
METRIC_TITLES = {
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
}


TERMINAL_FINDINGS_PER_CRITERION = 3  # the HTML/JSON report has them all


def findings_table(findings: list[Finding]) -> Table:
    table = Table(title="Data checks", title_justify="left", expand=True, show_lines=False)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Finding")
    for finding in findings:
        severity = finding.severity or ""
        style = SEVERITY_STYLE.get(severity, "")
        table.add_row(Text(severity, style=style), finding.check or "", finding.message or "")
    if not findings:
        table.add_row("", "", "No problems found.")
    return table


def _ci(metric: Interval | None) -> str:
    # Value over interval keeps five metric columns readable in an 80-column terminal.
    if metric is None:
        return format_metric(None)
    return format_interval(metric.value, metric.ci_low, metric.ci_high, separator="\n")


def comparison_table(report: Report) -> Table:
    budget = report.test_budget
    used = budget.used if budget and budget.used is not None else "?"
    limit = budget.limit if budget and budget.limit is not None else "?"
    test_rows = report.split.sizes.get("test", "?") if report.split else "?"
    table = Table(
        title=f"Test split — {test_rows} rows, looked at {used} of "
        f"{limit} times (95% bootstrap CIs; models selected on validation)",
        title_justify="left",
        expand=True,
    )
    table.add_column("Model", min_width=12)
    for key in TEST_METRICS:
        table.add_column(METRIC_TITLES[key], no_wrap=True, justify="center")
    table.add_column("Device")
    table.add_column("Fit s", justify="right")
    best = report.comparison.best_baseline if report.comparison else None
    for model in report.models:
        name = (model.name or "") + (" ★" if model.name == best else "")
        if model.status != "ok":
            table.add_row(name, Text(f"{model.status}: {model.error}", style="red"), *[""] * 4, "", "")
            continue
        test = model.test
        cells = [_ci(getattr(test, key) if test else None) for key in TEST_METRICS]
        fit = f"{model.fit_seconds:.1f}" if model.fit_seconds is not None else "—"
        table.add_row(name, *cells, model.device or "", fit)
    return table


def readiness_table(readiness: Readiness) -> Table:
    overall = readiness.overall
    table = Table(
        title=f"Readiness — overall {overall if overall is not None else 'not assessed'} "
        f"({(readiness.verdict or '').replace('_', ' ')}; gated by the weakest criterion)",
        title_justify="left",
        expand=True,
    )
    table.add_column("Criterion", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Findings")
    table.add_column("Recommendation")
    for name, criterion in readiness.criteria.items():
        score = criterion.score
        findings = criterion.findings
        shown = findings[:TERMINAL_FINDINGS_PER_CRITERION]
        if len(findings) > len(shown):
            shown.append(f"(+{len(findings) - len(shown)} more in the report)")
        table.add_row(
            name.replace("_", " "),
            "—" if score is None else str(score),
            "\n".join(shown) or "—",
            criterion.recommendation or "",
        )
    return table


def comparison_line(comparison: Comparison | None) -> Text:
    if comparison is None or comparison.deep is None:
        return Text("No deep model to compare (skipped or failed).", style="yellow")
    delta = "—" if comparison.delta_roc_auc is None else f"{comparison.delta_roc_auc:+.3f}"
    return Text(
        f"{comparison.deep} vs best baseline {comparison.best_baseline}: "
        f"ΔROC-AUC {delta}, {comparison.test} p = "
        f"{format_p(comparison.delong_p_value, trailing_zeros=False)}"
    )


def learning_curves_table(curves: LearningCurves) -> Table:
    """Validation ROC-AUC per share of the training split, then what the fitted curves say."""
    models = curves.models
    fractions = sorted({p.train_fraction for m in models for p in m.points if p.train_fraction is not None})
    sentences = "\n".join(curves.sentences)
    table = Table(
        title="Learning curves — validation ROC-AUC by share of the training split (rows)",
        title_justify="left",
        caption=sentences or None,
        caption_justify="left",
        expand=True,
    )
    table.add_column("Model", min_width=12)
    for fraction in fractions:
        table.add_column(format_percent(fraction), justify="right", no_wrap=True)
    for model in models:
        by_fraction = {p.train_fraction: p for p in model.points}
        cells: list[Text | str] = []
        for fraction in fractions:
            point = by_fraction.get(fraction)
            if point is None:
                cells.append("—")
            elif point.status == "failed":
                cells.append(Text("failed", style="red"))
            else:
                cells.append(f"{format_metric(point.val_roc_auc)} ({format_count(point.n_train)})")
        table.add_row(model.name or "", *cells)
    return table


def history_panel(history: HistorySection) -> Panel:
    return Panel(
        Text("\n".join(history.sentences)),
        title="From the journal",
        title_align="left",
        border_style="dim",
    )


def elapsed_line(elapsed: Elapsed) -> Text:
    """Where the time went, from submission to report."""
    return Text(
        f"{format_seconds(elapsed.wall_seconds)} from submission to report: "
        f"{format_seconds(elapsed.stage_seconds)} of stages, "
        f"{format_seconds(elapsed.waiting_seconds)} waiting for the learning-curve points, "
        f"{format_seconds(elapsed.queued_seconds)} queued; "
        f"{format_seconds(elapsed.cpu_seconds)} of CPU in the assessment's job.",
        style="dim",
    )


def render_report(console: Console, report: Report | Mapping[str, Any]) -> None:
    """The report as `readiness assess` prints it; a section the report lacks is left out."""
    report = as_report(report)
    console.print(findings_table(report.checks))
    for model in report.models:
        if model.family == "deep" and model.status == "failed":
            console.print(
                Panel(model.error or "", title="Deep model: overfit check FAILED", border_style="bold red")
            )
    console.print(comparison_table(report))
    console.print(comparison_line(report.comparison))
    if curves := present(report.learning_curves):
        console.print(learning_curves_table(curves))
    if history := present(report.history):
        console.print(history_panel(history))
    if report.readiness:
        console.print(readiness_table(report.readiness))
    if elapsed := present(report.elapsed):
        console.print(elapsed_line(elapsed))
    if verdict := report.verdict:
        style = VERDICT_STYLE.get(verdict.code or "", "white")
        console.print(
            Panel(
                Group(Text(verdict.summary or "")),
                title=f"Verdict: {verdict.code}",
                border_style=style,
                title_align="left",
            )
        )
