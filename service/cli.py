"""The `readiness` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from service.progress_store import ConsoleStore
from service.terminal_report import render_report
from workers.assessment.config import DEFAULT_RESAMPLES, DEFAULT_TEST_BUDGET, AssessmentConfig
from workers.assessment.runner import run_assessment
from workers.errors import ReadinessError
from workers.report.html import render_html
from workers.rubric.questionnaire import load_answers
from workers.split import DEFAULT_SEED

USER_ERROR_EXIT = 2


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {path}: {exc.strerror or exc}") from exc


class _UserErrorExit(click.ClickException):
    exit_code = USER_ERROR_EXIT


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="readiness")
def main() -> None:
    """Readiness: evidence before you start a deep-learning project."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--target", "-t", required=True, help="The label column.")
@click.option(
    "--positive", help="The positive class of a binary target (default: yes/true/1, else the rarer)."
)
@click.option("--answers", type=click.Path(path_type=Path, dir_okay=False), help="Questionnaire YAML.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Split and model seed.")
@click.option("--keep-column", multiple=True, help="Keep a column the checks would leave out (repeatable).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--json-out", type=click.Path(path_type=Path, dir_okay=False), help="Write the JSON report.")
@click.option("--html-out", type=click.Path(path_type=Path, dir_okay=False), help="Write the HTML report.")
@click.option("--max-file-mb", type=click.FloatRange(min=0.001), default=1024.0, show_default=True)
@click.option("--resamples", type=click.IntRange(min=100), default=DEFAULT_RESAMPLES, show_default=True)
@click.option("--test-budget", type=click.IntRange(min=1), default=DEFAULT_TEST_BUDGET, show_default=True)
@click.option("--max-epochs", type=click.IntRange(min=1), help="Cap the deep model's epochs.")
@click.option("--no-deep", is_flag=True, help="Run the baselines only.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars; print the verdict only.")
def assess(
    file: Path,
    target: str,
    positive: str | None,
    answers: Path | None,
    seed: int,
    keep_column: tuple[str, ...],
    device: str,
    json_out: Path | None,
    html_out: Path | None,
    max_file_mb: float,
    resamples: int,
    test_budget: int,
    max_epochs: int | None,
    no_deep: bool,
    quiet: bool,
) -> None:
    """Assess a labelled CSV or Parquet FILE: checks, baselines, a deep model, and a verdict."""
    console = Console()
    deep_params: dict[str, Any] = {"max_epochs": max_epochs} if max_epochs else {}
    config = AssessmentConfig(
        target=target,
        positive=positive,
        seed=seed,
        keep_columns=keep_column,
        device=device,
        max_file_bytes=int(max_file_mb * 1024 * 1024),
        n_resamples=resamples,
        test_budget=test_budget,
        run_deep=not no_deep,
        deep_params=deep_params,
    )
    try:
        questionnaire = load_answers(answers) if answers else None
        with ConsoleStore(console, enabled=not quiet) as store:
            report = run_assessment(file, config, store, answers=questionnaire)
    except ReadinessError as error:
        raise _UserErrorExit(error.detail) from error
    if quiet:
        console.print(f"{report['verdict']['code']}: {report['verdict']['summary']}")
    else:
        render_report(console, report)
    if json_out:
        _write(json_out, json.dumps(report, indent=2))
        console.print(f"JSON report: {json_out}")
    if html_out:
        _write(html_out, render_html(report))
        console.print(f"HTML report: {html_out}")
