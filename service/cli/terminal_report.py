"""Rendering an assessment report in the terminal with rich: what `readiness assess` prints at the end."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from workers.numbers import format_ci, format_count, format_metric, format_p, format_percent, format_seconds

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


def findings_table(findings: list[dict[str, Any]]) -> Table:
    table = Table(title="Data checks", title_justify="left", expand=True, show_lines=False)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Finding")
    for finding in findings:
        style = SEVERITY_STYLE.get(finding["severity"], "")
        table.add_row(Text(finding["severity"], style=style), finding["check"], finding["message"])
    if not findings:
        table.add_row("", "", "No problems found.")
    return table


def comparison_table(report: dict[str, Any]) -> Table:
    budget = report.get("test_budget", {})
    table = Table(
        title=f"Test split — {report['split']['sizes']['test']} rows, looked at {budget.get('used', '?')} of "
        f"{budget.get('limit', '?')} times (95% bootstrap CIs; models selected on validation)",
        title_justify="left",
        expand=True,
    )
    table.add_column("Model", min_width=12)
    for key in TEST_METRICS:
        table.add_column(METRIC_TITLES[key], no_wrap=True, justify="center")
    table.add_column("Device")
    table.add_column("Fit s", justify="right")
    best = report["comparison"].get("best_baseline")
    for model in report["models"]:
        name = model["name"] + (" ★" if model["name"] == best else "")
        if model["status"] != "ok":
            table.add_row(name, Text(f"{model['status']}: {model['error']}", style="red"), *[""] * 4, "", "")
            continue
        test = model["test"] or {}
        # Value over interval keeps five metric columns readable in an 80-column terminal.
        cells = [format_ci(test.get(key), separator="\n") for key in TEST_METRICS]
        table.add_row(name, *cells, model["device"], f"{model['fit_seconds']:.1f}")
    return table


def readiness_table(readiness: dict[str, Any]) -> Table:
    overall = readiness.get("overall")
    table = Table(
        title=f"Readiness — overall {overall if overall is not None else 'not assessed'} "
        f"({readiness.get('verdict', '').replace('_', ' ')}; gated by the weakest criterion)",
        title_justify="left",
        expand=True,
    )
    table.add_column("Criterion", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Findings")
    table.add_column("Recommendation")
    for name, criterion in readiness.get("criteria", {}).items():
        score = criterion.get("score")
        findings = criterion.get("findings", [])
        shown = findings[:TERMINAL_FINDINGS_PER_CRITERION]
        if len(findings) > len(shown):
            shown.append(f"(+{len(findings) - len(shown)} more in the report)")
        table.add_row(
            name.replace("_", " "),
            "—" if score is None else str(score),
            "\n".join(shown) or "—",
            criterion.get("recommendation", ""),
        )
    return table


def comparison_line(comparison: dict[str, Any]) -> Text:
    if comparison.get("deep") is None:
        return Text("No deep model to compare (skipped or failed).", style="yellow")
    return Text(
        f"{comparison['deep']} vs best baseline {comparison['best_baseline']}: "
        f"ΔROC-AUC {comparison['delta_roc_auc']:+.3f}, {comparison['test']} p = "
        f"{format_p(comparison['delong_p_value'], trailing_zeros=False)}"
    )


def learning_curves_table(curves: dict[str, Any]) -> Table:
    """Validation ROC-AUC per share of the training split, then what the fitted curves say."""
    models = curves.get("models") or []
    fractions = sorted({p["train_fraction"] for m in models for p in m.get("points", [])})
    sentences = "\n".join(curves.get("sentences") or [])
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
        by_fraction = {p["train_fraction"]: p for p in model.get("points", [])}
        cells: list[Text | str] = []
        for fraction in fractions:
            point = by_fraction.get(fraction)
            if point is None:
                cells.append("—")
            elif point.get("status") == "failed":
                cells.append(Text("failed", style="red"))
            else:
                cells.append(
                    f"{format_metric(point.get('val_roc_auc'))} ({format_count(point.get('n_train'))})"
                )
        table.add_row(model.get("name", ""), *cells)
    return table


def history_panel(history: dict[str, Any]) -> Panel:
    return Panel(
        Text("\n".join(history.get("sentences") or [])),
        title="From the journal",
        title_align="left",
        border_style="dim",
    )


def elapsed_line(elapsed: dict[str, Any]) -> Text:
    """Where the time went, from submission to report."""
    return Text(
        f"{format_seconds(elapsed.get('wall_seconds'))} from submission to report: "
        f"{format_seconds(elapsed.get('stage_seconds'))} of stages, "
        f"{format_seconds(elapsed.get('waiting_seconds'))} waiting for the learning-curve points, "
        f"{format_seconds(elapsed.get('queued_seconds'))} queued; "
        f"{format_seconds(elapsed.get('cpu_seconds'))} of CPU in the assessment's job.",
        style="dim",
    )


def render_report(console: Console, report: dict[str, Any]) -> None:
    console.print(findings_table(report["checks"]))
    for model in report["models"]:
        if model["family"] == "deep" and model["status"] == "failed":
            console.print(
                Panel(model["error"] or "", title="Deep model: overfit check FAILED", border_style="bold red")
            )
    console.print(comparison_table(report))
    console.print(comparison_line(report["comparison"]))
    if report.get("learning_curves"):
        console.print(learning_curves_table(report["learning_curves"]))
    if report.get("history"):
        console.print(history_panel(report["history"]))
    console.print(readiness_table(report["readiness"]))
    if elapsed := report.get("elapsed"):
        console.print(elapsed_line(elapsed))
    verdict = report["verdict"]
    style = VERDICT_STYLE.get(verdict["code"], "white")
    console.print(
        Panel(
            Group(Text(verdict["summary"])),
            title=f"Verdict: {verdict['code']}",
            border_style=style,
            title_align="left",
        )
    )
