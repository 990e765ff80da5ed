"""The `readiness` command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from service.cli.batch import submit
from service.cli.exports import export_group, model
from service.cli.grid import grid
from service.cli.journal import journal
from service.cli.support import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    DEFAULT_TEST_BUDGET,
    UserErrorExit,
    load_settings,
)

# Only light modules here: `readiness --help`, `--version` and an argument error import none of torch,
# scikit-learn, xgboost, pandas, pyarrow, FastAPI or SQLAlchemy (tests/service/test_cli_start.py); each
# command imports what it needs when it runs.
from service.ledger.cap import MAX_TEST_BUDGET
from workers.errors import ReadinessError
from workers.text import unstorable_reason

_settings = load_settings
_UserErrorExit = UserErrorExit


MAX_FILE_MB_OPTION = 1024 * 1024  # a terabyte: beyond it a limit means nothing


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets NaN through (it compares false with both ends)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number of megabytes, not NaN.", ctx=ctx, param=param)
    return value


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _refuse_unstorable_arguments(args: list[str]) -> None:
    """Python hands a byte of the command line that is not UTF-8 on as a lone surrogate (U+DC80–U+DCFF),
    which the database cannot store: a project name, tag or text with one is refused here, before anything
    is written, whatever the command. A path to an existing file may hold such bytes (it is only opened)."""
    for arg in args:
        reason = unstorable_reason(arg)
        if reason is not None and not os.path.lexists(arg):
            shown = ascii(arg) if len(arg) <= 80 else ascii(arg[:80]) + "…"
            raise _UserErrorExit(
                f"The argument {shown} {reason}. Is the terminal's encoding UTF-8? (Its text is stored as UTF-8.)"
            )


class ReadinessGroup(click.Group):
    """Every command's user errors (a bad file, an unreachable database, an old schema) end as one
    message and exit code 2, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _refuse_unstorable_arguments(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReadinessError as error:
            raise _UserErrorExit(error.detail) from error


@click.group(cls=ReadinessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="readiness")
def main() -> None:
    """Readiness: evidence before you start a deep-learning project."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--target",
    "-t",
    help="The label column (required for a table; for images: the label's name, default 'label').",
)
@click.option(
    "--positive", help="The positive class of a binary target (default: yes/true/1, else the rarer)."
)
@click.option("--answers", type=click.Path(path_type=Path, dir_okay=False), help="Questionnaire YAML.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Split and model seed.")
@click.option("--keep-column", multiple=True, help="Keep a column the checks would leave out (repeatable).")
@click.option(
    "--split",
    "split_method",
    type=click.Choice(["auto", "random", "time", "group"]),
    default="auto",
    show_default=True,
    help="auto: by --group-column if given, else in time order when the file has a date column, else random.",
)
@click.option("--time-column", help="The date/time column to split by (train oldest, test newest).")
@click.option("--group-column", help="An entity column (patient, customer, device): each stays in one part.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--json-out", type=click.Path(path_type=Path, dir_okay=False), help="Write the JSON report.")
@click.option("--html-out", type=click.Path(path_type=Path, dir_okay=False), help="Write the HTML report.")
@click.option(
    "--label-suspects-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the rows most likely mislabelled as CSV (row numbers, given and suggested label).",
)
@click.option("--project", help="Project to record the assessment under (default: the file's name).")
@click.option(
    "--max-file-mb",
    type=click.FloatRange(min=0.001, max=MAX_FILE_MB_OPTION),
    callback=_finite,
    help="Refuse larger files (default READINESS_MAX_UPLOAD_MB, 1024).",
)
@click.option("--resamples", type=click.IntRange(min=100), default=DEFAULT_RESAMPLES, show_default=True)
@click.option(
    "--test-budget",
    type=click.IntRange(min=1, max=MAX_TEST_BUDGET),
    default=DEFAULT_TEST_BUDGET,
    show_default=True,
)
@click.option("--max-epochs", type=click.IntRange(min=1), help="Cap the deep model's epochs.")
@click.option("--no-deep", is_flag=True, help="Run the baselines only.")
@click.option("--no-learning-curve", is_flag=True, help="Skip the learning curves (10/25/50% of train).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars; print the verdict only.")
def assess(
    file: Path,
    target: str | None,
    positive: str | None,
    answers: Path | None,
    project: str | None,
    seed: int,
    keep_column: tuple[str, ...],
    split_method: str,
    time_column: str | None,
    group_column: str | None,
    device: str,
    json_out: Path | None,
    html_out: Path | None,
    label_suspects_out: Path | None,
    max_file_mb: float | None,
    resamples: int,
    test_budget: int,
    max_epochs: int | None,
    no_deep: bool,
    no_learning_curve: bool,
    quiet: bool,
) -> None:
    """Assess a labelled CSV or Parquet FILE: checks, baselines, a deep model, and a verdict. FILE may also
    be images: a zip or folder with a folder per class, or a CSV whose column names image files beside it.

    Everything is recorded in the database (the embedded Postgres unless READINESS_DATABASE_URL is set)
    as a project, dataset and assessment, so the API and dashboard show what the CLI did.
    """
    from service.assessments.progress_view import ProgressView
    from service.cli.image_inputs import readable_input, target_for
    from service.cli.local_run import assess_through_service
    from service.cli.terminal_report import render_report
    from workers.report.html import render_html
    from workers.report.model import VerdictSection, as_report
    from workers.report.noise_csv import suspects_csv
    from workers.rubric.questionnaire import load_answers

    console = Console()
    settings = _settings()
    if max_file_mb is not None:
        settings = settings.model_copy(update={"max_upload_mb": max_file_mb})
    options: dict[str, Any] = {
        "seed": seed,
        "keep_columns": list(keep_column),
        "split": split_method,
        "time_column": time_column,
        "group_column": group_column,
        "device": device,
        "n_resamples": resamples,
        "run_deep": not no_deep,
        "learning_curve": not no_learning_curve,
        "max_epochs": max_epochs,
    }
    try:
        questionnaire = load_answers(answers) if answers else None
        with readable_input(file) as data, ProgressView(console, enabled=not quiet) as view:
            run = assess_through_service(
                settings,
                data,
                project_name=project or file.stem,
                target=target_for(data, target),
                positive=positive,
                answers=questionnaire,
                options=options,
                test_budget=test_budget,
                on_progress=view.update,
                on_baselines=view.baselines,
            )
            view.finish()
    except ReadinessError as error:
        if error.code == "internal_error":
            raise click.ClickException(error.detail) from error
        raise _UserErrorExit(error.detail) from error
    report = run.report  # the stored JSON, written as it is to --json-out
    typed = as_report(report)
    if quiet:
        verdict = typed.verdict or VerdictSection()
        console.print(f"{verdict.code}: {verdict.summary}")
    else:
        render_report(console, typed)
        console.print(f"Recorded as assessment {run.assessment_id} of project {run.project_id}.")
    # --quiet: the verdict line is all that reaches stdout (a script reads it); a journal warning is still
    # worth seeing, so it goes to stderr.
    notes = Console(stderr=True) if quiet else console
    for warning in run.warnings:
        notes.print(f"[yellow]Journal: {warning}[/yellow]", highlight=False)
    if json_out:
        _write(json_out, json.dumps(report, indent=2))
        if not quiet:
            console.print(f"JSON report: {json_out}")
    if html_out:
        _write(html_out, render_html(typed))
        if not quiet:
            console.print(f"HTML report: {html_out}")
    if label_suspects_out:
        _write(label_suspects_out, suspects_csv(typed) or "")
        if not quiet:
            console.print(f"Label suspects: {label_suspects_out}")


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (our tables and Procrastinate's) to this version."""
    from service.database.engine import make_engine, resolve_database_url
    from service.database.migrate import upgrade_to_head

    settings = _settings()
    engine = make_engine(resolve_database_url(settings))
    revision = upgrade_to_head(engine)
    click.echo(f"Database schema at {revision}.")


def _watch_embedded_database(embedded: bool, data_dir: Path) -> None:
    """A long-running process that holds the embedded Postgres starts it again if its postmaster dies
    (service.database.watchdog); an external server (READINESS_DATABASE_URL) is not ours to restart."""
    if embedded:
        from service.database.watchdog import watch_embedded

        watch_embedded(data_dir)


@main.command()
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(["cpu", "gpu"]),
    help="Queue(s) to work (default both).",
)
def worker(queues: tuple[str, ...]) -> None:
    """Run a worker that takes assessment jobs from the queue until stopped (Ctrl-C)."""
    from service.assessments.runtime import run_worker
    from service.database.engine import make_engine, resolve_database_url
    from service.database.migrate import upgrade_to_head
    from service.orphans import sweep_in_background

    settings = _settings()
    embedded = not settings.database_url
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    _watch_embedded_database(embedded, settings.embedded_data_path)
    upgrade_to_head(make_engine(settings.database_url or ""))
    sweep_in_background(settings)  # files a crashed request or stage left behind, older than a day
    click.echo(f"Worker on queue(s) {', '.join(queues) or 'cpu, gpu'}; Ctrl-C to stop.")
    run_worker(settings, queues or ("cpu", "gpu"))


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default READINESS_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default READINESS_PORT, 8000).")
@click.option("--no-worker", is_flag=True, help="Serve the API only; run `readiness worker` elsewhere.")
@click.option(
    "--workers",
    "api_processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="API processes (uvicorn workers) sharing the port; more serve more requests at once on more cores.",
)
def serve(host: str | None, port: int | None, no_worker: bool, api_processes: int) -> None:
    """Serve the API (and run a worker in this process unless --no-worker)."""
    from service.cli.serve import serve as run_server
    from service.database.engine import make_engine, resolve_database_url
    from service.database.migrate import upgrade_to_head
    from service.orphans import sweep_in_background

    settings = _settings()
    # The database is started (if embedded) and migrated here, once, so that the sweep's thread does not
    # race the server's start for it; `run_server` then finds the URL resolved.
    embedded = not settings.database_url
    settings = settings.model_copy(update={"database_url": resolve_database_url(settings)})
    _watch_embedded_database(embedded, settings.embedded_data_path)
    upgrade_to_head(make_engine(settings.database_url or ""))
    sweep_in_background(settings)  # files a crashed request or stage left behind, older than a day
    run_server(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        with_worker=not no_worker,
        api_processes=api_processes,
    )


@main.group()
def keys() -> None:
    """API keys: each belongs to a team; a team sees only its own projects."""


@keys.command("create")
@click.option("--team", required=True, help="Team name (created if new).")
@click.option(
    "--name",
    help="The person the key belongs to: every record made with it names them (default: your login name).",
)
@click.option("--label", help="A label to tell one person's keys apart (default: the person's name).")
@click.option("--admin", is_flag=True, help="Mark the key as an admin key.")
def keys_create(team: str, name: str | None, label: str | None, admin: bool) -> None:
    """Create an API key for a person and print it (shown once; only its hash is stored)."""
    from service.auth import create_key
    from service.cli.person import login_name
    from service.database.engine import make_engine, resolve_database_url
    from service.database.migrate import upgrade_to_head

    settings = _settings()
    engine = make_engine(resolve_database_url(settings))
    upgrade_to_head(engine)
    person = login_name() if name is None else name
    click.echo(create_key(engine, team_name=team, name=person, admin=admin, label=label))


@keys.command("list")
@click.option("--team", help="Only this team's keys.")
def keys_list(team: str | None) -> None:
    """List the keys: person, team, label, prefix, created, revoked (never the key itself)."""
    from service.auth import list_keys
    from service.database.engine import make_engine, resolve_database_url
    from service.database.migrate import upgrade_to_head

    settings = _settings()
    engine = make_engine(resolve_database_url(settings))
    upgrade_to_head(engine)
    rows = list_keys(engine, team_name=team)
    if not rows:
        click.echo('No keys yet: `readiness keys create --team NAME --name "Your Name"` makes one.')
        return
    table = [("PERSON", "TEAM", "LABEL", "PREFIX", "CREATED", "REVOKED")] + [
        (
            row.person + (" (admin)" if row.admin else ""),
            row.team,
            row.label,
            row.prefix + "…",
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            row.revoked_at.strftime("%Y-%m-%d %H:%M") if row.revoked_at else "-",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    # Plain aligned columns: they read in a terminal, and split on runs of spaces when piped.
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


main.add_command(journal)
main.add_command(grid)
main.add_command(model)
main.add_command(export_group)
main.add_command(submit)
