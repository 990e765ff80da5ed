"""Rendering an assessment report in the terminal with rich: what `readiness assess` prints at the end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from service.cli.terminal_images import confidently_wrong_text, images_text, suspects_text
from service.cli.terminal_split import split_text
from workers.numbers import (
    format_count,
    format_interval,
    format_metric,
    format_p,
    format_percent,
    format_seconds,
)
from workers.report.deep_choice import deep_choice
from workers.report.economics_view import economics_view
from workers.report.html import comparison_test_name
from workers.report.interval_methods import interval_methods_note
from workers.report.learning_view import forecast_row
from workers.report.model import (
    ClassMetrics,
    Comparison,
    ConfusionMatrix,
    Economics,
    Elapsed,
    Finding,
    HistorySection,
    Interval,
    LabelNoise,
    LearningCurves,
    ModelEntry,
    Readiness,
    Report,
    as_report,
    present,
)
from workers.report.noise_view import rate_text
from workers.report.recommendation_view import recommendation_view, steps_text

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
VERDICT_STYLE = {
    "fix_data_first": "red",
    "not_feasible_yet": "red",
    "collect_more_data": "yellow",
    "inconclusive": "yellow",
    "no_signal": "red",
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
TERMINAL_SUSPECTS = 5  # the label suspects listed; the CSV (--label-suspects-out) has them all
TERMINAL_CONFUSION_CLASSES = 8  # past this many classes the matrix is too wide: the HTML report has it


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


# Below this many columns the five metric columns (value over interval) cannot sit beside the model names:
# the table turns, one row per metric and one column per model.
WIDE_ENOUGH = 120
# A model's column in the turned table: "[0.975, 0.998]" and the cell's padding and border. Where even that
# does not fit every model (a narrow terminal, or many models), the models are stacked one under another.
TURNED_MODEL_CHARS = 17
TURNED_METRIC_CHARS = 12


def comparison_table(report: Report, width: int = WIDE_ENOUGH) -> Table:
    budget = report.test_budget
    used = budget.used if budget and budget.used is not None else "?"
    limit = budget.limit if budget and budget.limit is not None else "?"
    test_rows = report.split.sizes.get("test", "?") if report.split else "?"
    table = Table(
        title=f"Test split — {test_rows} rows, looked at {used} of "
        f"{limit} times (95% CIs; models selected on validation)",
        title_justify="left",
        # Which interval each metric has (Wilson, binormal score, logit bootstrap), as in the HTML report.
        caption=interval_methods_note(report.models),
        caption_justify="left",
        expand=True,
    )
    best = report.comparison.best_baseline if report.comparison else None
    names = [(model.name or "") + (" ★" if model.name == best else "") for model in report.models]
    fits = [
        f"{model.device or '?'}, {model.fit_seconds:.1f} s" if model.fit_seconds is not None else model.device or ""
        for model in report.models
    ]

    def cell(model: ModelEntry, key: str) -> str | Text:
        if model.status != "ok":
            return Text(model.status or "failed", style="red")
        return _ci(getattr(model.test, key) if model.test else None)

    if width < TURNED_METRIC_CHARS + TURNED_MODEL_CHARS * len(report.models):
        table.add_column("Model / metric", no_wrap=True)
        table.add_column("Test value [95% CI]")
        for model, name, fit in zip(report.models, names, fits, strict=True):
            table.add_row(Text(name, style="bold"), Text(fit, style="dim"))
            if model.status != "ok":
                table.add_row("", Text(f"{model.status}: {model.error}", style="red"), end_section=True)
                continue
            for n, key in enumerate(TEST_METRICS, start=1):
                metric = getattr(model.test, key) if model.test else None
                value = format_interval(metric.value, metric.ci_low, metric.ci_high) if metric else format_metric(None)
                table.add_row(f"  {METRIC_TITLES[key]}", value, end_section=n == len(TEST_METRICS))
        return table
    if width < WIDE_ENOUGH:
        table.add_column("Metric", no_wrap=True)
        for name in names:
            table.add_column(name, justify="center")
        for key in TEST_METRICS:
            table.add_row(METRIC_TITLES[key], *[cell(model, key) for model in report.models])
        table.add_row(Text("trained on", style="dim"), *[Text(fit, style="dim") for fit in fits])
        return table
    table.add_column("Model", min_width=12)
    for key in TEST_METRICS:
        table.add_column(METRIC_TITLES[key], no_wrap=True, justify="center")
    table.add_column("Device")
    table.add_column("Fit s", justify="right")
    for model, name in zip(report.models, names, strict=True):
        if model.status != "ok":
            table.add_row(name, Text(f"{model.status}: {model.error}", style="red"), *[""] * 4, "", "")
            continue
        fit = f"{model.fit_seconds:.1f}" if model.fit_seconds is not None else "—"
        table.add_row(name, *[cell(model, key) for key in TEST_METRICS], model.device or "", fit)
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


def comparison_line(comparison: Comparison | None, test_name: str | None = None) -> Text:
    """The deep model against the best baseline, with the paired test's real name (DeLong or paired
    bootstrap); `test_name` names it for a report that did not store it."""
    if comparison is None or comparison.deep is None:
        return Text("No deep model to compare (skipped or failed).", style="yellow")
    delta = "—" if comparison.delta_roc_auc is None else f"{comparison.delta_roc_auc:+.3f}"
    if comparison.delta_ci_low is not None and comparison.delta_ci_high is not None:
        # The interval the verdict reads against the margin (workers.verdict, rule 6).
        delta += f" [{comparison.delta_ci_low:+.3f}, {comparison.delta_ci_high:+.3f}]"
        delta += f" (gain that matters: {comparison.margin:g})" if comparison.margin is not None else ""
    return Text(
        f"{comparison.deep} vs best baseline {comparison.best_baseline}: "
        f"ΔROC-AUC {delta}, {comparison.test or test_name or 'DeLong'} p = "
        f"{format_p(comparison.delong_p_value, trailing_zeros=False)}"
    )


def deep_choice_table(choice: Mapping[str, Any]) -> Table:
    """The deep models trained, on validation, captioned with which one the comparison uses and why."""
    table = Table(title="Deep models (validation)", caption=choice["sentence"], box=box.SIMPLE_HEAD)
    for column in ("model", "val ROC-AUC", "fit", "setting"):
        table.add_column(column, justify="right" if column in ("val ROC-AUC", "fit") else "left")
    for c in choice["candidates"]:
        name = f"{c['name']} ← compared" if c["chosen"] else c["name"]
        name += f" ({c['status']})" if c["status"] != "ok" else ""
        table.add_row(
            name, format_metric(c["val_roc_auc"]), format_seconds(c["fit_seconds"]), c["setting"] or "—"
        )
    return table


def confusion_table(name: str, matrix: ConfusionMatrix) -> Table:
    """A multiclass model's confusion matrix on the test split: a row per true class, a column per
    predicted class, the diagonal (predicted right) in bold."""
    classes = [str(c) for c in matrix.classes] or [str(k) for k in range(len(matrix.counts))]
    table = Table(
        title=f"Confusion matrix — {name} on the test split (rows: true class; columns: predicted)",
        title_justify="left",
        box=box.SIMPLE_HEAD,  # no vertical rules: a column per class must fit 80 columns
    )
    table.add_column("True class", min_width=8)
    for c in classes:
        table.add_column(c, justify="right")
    table.add_column("Rows", justify="right")
    for k, (c, line) in enumerate(zip(classes, matrix.counts, strict=False)):
        cells = [Text(format_count(n), style="bold" if j == k else "") for j, n in enumerate(line)]
        table.add_row(c, *cells, format_count(sum(line)))
    return table


def per_class_table(name: str, per_class: list[ClassMetrics], method: str | None = None) -> Table:
    """A multiclass model's precision, recall and F1 per class, each with its 95% interval (`method`)."""
    table = Table(
        title=f"Per class — {name} on the test split (95% CIs)",
        title_justify="left",
        caption=f"Intervals: {method}." if method else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("Class", min_width=8)
    table.add_column("Rows", justify="right")
    for key in ("precision", "recall", "f1"):
        table.add_column(METRIC_TITLES[key], no_wrap=True, justify="center")
    for row in per_class:
        table.add_row(
            str(row.name),
            format_count(row.support),
            *[_ci(getattr(row, k)) for k in ("precision", "recall", "f1")],
        )
    return table


def per_class_tables(report: Report) -> list[Table]:
    """The confusion matrix and per-class table of the compared models (best baseline and deep), or of the
    first model with them when nothing was compared; none for a binary target or an older report. Past
    `TERMINAL_CONFUSION_CLASSES` classes the matrix is left to the HTML report."""
    comparison = report.comparison
    compared = {comparison.best_baseline, comparison.deep} - {None} if comparison else set()
    tables = []
    for model in report.models:
        test = present(model.test)
        if test is None or (present(test.confusion_matrix) is None and not test.per_class):
            continue
        if compared and model.name not in compared:
            continue
        name, matrix = model.name or "model", present(test.confusion_matrix)
        if matrix is not None and 0 < len(matrix.counts) <= TERMINAL_CONFUSION_CLASSES:
            tables.append(confusion_table(name, matrix))
        if test.per_class:
            tables.append(per_class_table(name, test.per_class, test.per_class_method))
        if not compared:
            break
    return tables


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


def economics_table(economics: Economics) -> Table | Text:
    """The payoff in money: each model's expected value per 1,000 decisions on test at its validation-chosen
    threshold, the deep model's difference and its sentence; only the note when none was computed."""
    view = economics_view(economics)
    if view is None or not view["rows"]:
        return Text(economics.note or "No payoff in money was computed.", style="dim")
    caption = [view["sentence"] or ""]
    if view["delta"]:
        yearly = f"; {view['yearly']} a year" if view["yearly"] else ""
        caption.append(
            f"Deep model minus best baseline: {view['delta']} per 1,000 decisions{yearly} (paired)."
        )
    table = Table(
        title=f"Payoff in money — {view['money']} (95% CIs on the test split)",
        title_justify="left",
        caption="\n".join(line for line in caption if line),
        caption_justify="left",
        expand=True,
    )
    table.add_column("Model", min_width=12)
    table.add_column("Threshold", justify="right", no_wrap=True)
    table.add_column("Expected value per 1,000 decisions", justify="right")
    for row in view["rows"]:
        table.add_row(
            row["name"] + (" ★" if row["best_baseline"] else ""), row["threshold"], row["expected_value"]
        )
    return table


def learning_forecast_table(curves: LearningCurves) -> Table | None:
    """What the weighted learning-curve fits say (issue 12): gain per doubling and ceiling with 80% intervals,
    rows needed for the target, the back-test, and why an ill-behaved curve is not extrapolated."""
    rows = [f for m in curves.models if (f := forecast_row(m)) is not None]
    if not rows:
        return None
    table = Table(
        title="Learning curves — what the weighted fits say (80% intervals)",
        title_justify="left",
        expand=True,
    )
    for column in ("Model", "Gain per doubling", "Ceiling", "Rows needed", "Back-test"):
        table.add_column(column)
    for f in rows:
        table.add_row(f["name"] or "", f["gain"], f["ceiling"], f["rows_needed"], f["backtest"])
        if not f["ok"]:
            table.add_row("", Text("not extrapolated: " + "; ".join(f["problems"]), style="yellow"), "", "", "")
    return table


def history_panel(history: HistorySection) -> Panel:
    return Panel(
        Text("\n".join(history.sentences)),
        title="From the journal",
        title_align="left",
        border_style="dim",
    )


def label_noise_panel(noise: LabelNoise) -> Panel:
    """The estimated share of wrong labels, its sentence and the top suspects (all of them: the CSV)."""
    lines = [f"Estimated wrong labels: {rate_text(noise)} of {format_count(noise.n_examined)} rows examined."]
    if noise.sentence:
        lines.append(noise.sentence)
    shown = noise.suspects[:TERMINAL_SUSPECTS]
    if shown:
        rows = ", ".join(f"{s.row} ({s.given} → {s.suggested})" for s in shown)
        more = " …" if len(noise.suspects) > len(shown) else ""
        lines.append(f"Most likely mislabelled rows: {rows}{more}")
        lines.append("All suspects: readiness assess --label-suspects-out FILE.csv")
    return Panel(
        Text("\n".join(lines)),
        title="Label noise",
        title_align="left",
        border_style="yellow" if noise.high else "dim",
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
    if images := images_text(report):
        console.print(images)
    console.print(findings_table(report.checks))
    for model in report.models:
        if model.family == "deep" and model.status == "failed":
            console.print(
                Panel(model.error or "", title="Deep model: overfit check FAILED", border_style="bold red")
            )
    console.print(comparison_table(report, console.width))
    if line := split_text(report.split):
        console.print(line)
    if report.test_budget and report.test_budget.shared_with:
        console.print(Text(report.test_budget.shared_with, style="yellow"))
    for table in per_class_tables(report):
        console.print(table)
    if wrong := confidently_wrong_text(report):
        console.print(wrong)
    console.print(comparison_line(report.comparison, comparison_test_name(report.comparison, report.dataset)))
    if choice := deep_choice(report):
        console.print(deep_choice_table(choice))
    if curves := present(report.learning_curves):
        console.print(learning_curves_table(curves))
        if forecast := learning_forecast_table(curves):
            console.print(forecast)
    if economics := present(report.economics):
        console.print(economics_table(economics))
    if history := present(report.history):
        console.print(history_panel(history))
    if noise := present(report.label_noise):
        console.print(label_noise_panel(noise))
        if suspects := suspects_text(report):
            console.print(suspects)
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
    if next_steps := recommendation_view(report.recommendation):
        console.print(recommendation_panel(next_steps))


def recommendation_panel(view: dict[str, Any]) -> Panel:
    """The one "what to do next" list, numbered, under a title that names the model to ship."""
    return Panel(Text(steps_text(view)), title=f"What to do next: {view['heading']}", title_align="left")
