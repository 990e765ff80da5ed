"""`readiness journal list|show|note|export`: the lab journal from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from service.cli.person import cli_who
from service.cli.support import LOCAL_TEAM, UserErrorExit, load_settings, team_id_of
from workers.numbers import format_ci, format_metric

if TYPE_CHECKING:  # the rest is imported when a command runs: `readiness --help` need not load it
    from sqlmodel import Session

    from service.models import Experiment

MIN_ID_PREFIX = 6


def _project_id(session: Session, team_id: uuid.UUID, name: str | None) -> uuid.UUID | None:
    from sqlalchemy import select

    from service.models import Project

    if name is None:
        return None
    project = session.scalar(select(Project).where(Project.team_id == team_id, Project.name == name))
    if project is None:
        raise UserErrorExit(f"No project {name!r} in this team.")
    return project.id


def _experiment(session: Session, team_id: uuid.UUID, ident: str) -> Experiment:
    """By full id or by a unique prefix of it (as `journal list` shows them)."""
    from sqlalchemy import String, cast

    from service.journal.journal import JournalFilter, journal_query
    from service.models import Experiment

    if len(ident) < MIN_ID_PREFIX:
        raise UserErrorExit(f"Give at least {MIN_ID_PREFIX} characters of the experiment's id.")
    matches = session.scalars(
        journal_query(team_id, JournalFilter())
        .where(cast(Experiment.id, String).like(f"{ident.lower()}%"))
        .limit(2)
    ).all()
    if not matches:
        raise UserErrorExit(f"No experiment {ident} in this team's journal.")
    if len(matches) > 1:
        raise UserErrorExit(f"{ident} matches more than one experiment; give more of its id.")
    return matches[0]


def _validation_auc(e: Experiment) -> str:
    return format_metric(((e.result or {}).get("validation") or {}).get("roc_auc"))


def _test_auc(e: Experiment) -> str:
    metrics = (e.test_result or {}).get("metrics") or {}
    return format_metric((metrics.get("roc_auc") or {}).get("value")) if metrics else ""


@click.group()
def journal() -> None:
    """The lab journal: every model run with its hypothesis, procedure, result and inference."""


# The columns of `journal list`, in order: in the terminal's table and in the TSV printed when piped.
LIST_COLUMNS = (
    "id",
    "when (UTC)",
    "project",
    "kind",
    "model",
    "data",
    "hyperparameters",
    "status",
    "val AUC",
    "test AUC",
    "note",
    "hypothesis",
)

COLUMN_PRIORITY = (
    "id",
    "model",
    "status",
    "val AUC",
    "test AUC",
    "project",
    "hypothesis",
    "kind",
    "when (UTC)",
    "note",
    "data",
    "hyperparameters",
)
ALWAYS_SHOWN = frozenset({"id", "model"})  # a row without them names nothing
FREE_TEXT = frozenset({"project", "hypothesis", "hyperparameters"})
OPTIONAL_WHEN_EMPTY = frozenset({"test AUC", "note", "hypothesis"})
FREE_TEXT_MIN = 14
CELL_PADDING = 3  # a space either side and the border

team_option = click.option("--team", default=LOCAL_TEAM, show_default=True, help="Whose journal.")


@journal.command("list")
@click.option("--project", help="Only this project (by name).")
@click.option("--model", "model_family", help="Only this model family (e.g. xgboost, deep).")
@click.option("--tag", help="Only experiments with this tag.")
@click.option("--kind", type=click.Choice(["assessment", "single", "grid", "learning_curve"]))
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
@team_option
def journal_list(
    project: str | None, model_family: str | None, tag: str | None, kind: str | None, limit: int, team: str
) -> None:
    """The newest experiments, one line each."""
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.journal.export import hyperparameter_text
    from service.journal.journal import JournalFilter, list_experiments

    _, engine, _ = open_local(load_settings())
    with session_scope(engine) as session:
        team_id = team_id_of(session, team)
        where = JournalFilter(
            project_id=_project_id(session, team_id, project), model_family=model_family, tag=tag, kind=kind
        )
        rows, count = list_experiments(session, team_id, where, limit=limit, offset=0)
        names = _project_names(session, {e.project_id for e in rows})
        lines = [
            {
                "id": str(e.id)[:8],
                "when (UTC)": f"{e.created_at:%Y-%m-%d %H:%M}",
                "project": names.get(e.project_id, ""),
                "kind": e.kind.value,
                "model": e.model_family,
                "data": f"{e.train_fraction:.0%}",
                "hyperparameters": hyperparameter_text(e),
                "status": e.status.value,
                "val AUC": _validation_auc(e),
                "test AUC": _test_auc(e),
                "note": f"repeat of {str(e.repeat_of)[:8]}" if e.repeat_of else "",
                "hypothesis": " ".join(e.hypothesis.split()),
            }
            for e in rows
        ]
    console = Console()
    if not console.is_terminal:
        # Piped or redirected: tab-separated values, whole and unwrapped, for cut/awk/a spreadsheet.
        click.echo("\t".join(LIST_COLUMNS))
        for line in lines:
            click.echo("\t".join(line[c].replace("\t", " ") for c in LIST_COLUMNS))
        return
    shown = fitting_columns(lines, console.width)
    left_out = [c for c in LIST_COLUMNS if c not in shown and any(line[c] for line in lines)]
    table = Table(
        title=f"Lab journal ({len(rows)} of {count}, newest first)",
        caption=f"Not shown at this width: {', '.join(left_out)} (piped, every column is printed as TSV)"
        if left_out
        else None,
    )
    for column in shown:
        free_text = column in FREE_TEXT
        table.add_column(column, no_wrap=not free_text, overflow="fold" if free_text else "ellipsis")
    for line in lines:
        table.add_row(*(line[c] for c in shown))
    console.print(table)


def fitting_columns(lines: list[dict[str, str]], width: int) -> list[str]:
    """The columns that fit `width`, most telling first (id, model, status, scores; then project and
    hypothesis; then the rest), shown in LIST_COLUMNS order. Short columns take their widest value; free
    text gets at least FREE_TEXT_MIN characters and wraps inside its cell."""

    def needs(column: str) -> int:
        widest = max([len(column), *(len(line[column]) for line in lines)])
        return (min(widest, FREE_TEXT_MIN) if column in FREE_TEXT else widest) + CELL_PADDING

    chosen: list[str] = []
    used = 1  # the table's left border
    for column in COLUMN_PRIORITY:
        if not any(line[column] for line in lines) and column in OPTIONAL_WHEN_EMPTY:
            continue
        if used + needs(column) <= width or column in ALWAYS_SHOWN:
            chosen.append(column)
            used += needs(column)
    return [c for c in LIST_COLUMNS if c in chosen]


def _project_names(session: Any, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    from sqlalchemy import select

    from service.models import Project

    if not ids:
        return {}
    rows = session.execute(select(Project.id, Project.name).where(Project.id.in_(ids))).all()
    return {project_id: name for project_id, name in rows}


@journal.command("show")
@click.argument("experiment_id")
@team_option
def journal_show(experiment_id: str, team: str) -> None:
    """One experiment: hypothesis, procedure, result, inference and the history of its text."""
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.journal.export import hyperparameter_text
    from service.journal.journal import revisions

    console = Console(highlight=False)
    _, engine, _ = open_local(load_settings())
    with session_scope(engine) as session:
        e = _experiment(session, team_id_of(session, team), experiment_id)
        history = revisions(session, e.id)
        procedure = e.procedure or {}
        console.print(f"[bold]Experiment {e.id}[/bold] — {e.model_family}, {e.kind.value}, {e.status.value}")
        console.print(f"[bold]Hypothesis[/bold]  {e.hypothesis or '(none written)'}")
        console.print(
            f"[bold]Procedure[/bold]   dataset {procedure.get('dataset_sha256', '?')[:12]}…, split seed "
            f"{procedure.get('split_seed')}, seed {e.seed}, training fraction {e.train_fraction:g}\n"
            f"            {hyperparameter_text(e)}\n            fingerprint {e.fingerprint[:16]}"
        )
        if e.repeat_of:
            console.print(f"            a deliberate repeat of {e.repeat_of}: {e.repeat_reason}")
        validation = (e.result or {}).get("validation") or {}
        line = ", ".join(
            f"{k} {format_metric(validation.get(k))}" for k in ("roc_auc", "pr_auc") if k in validation
        )
        console.print(
            f"[bold]Result[/bold]      validation {line or e.status.value}"
            + (f" — {e.error_detail}" if e.error_detail else "")
        )
        test = (e.test_result or {}).get("metrics")
        if test:
            console.print(f"            test ROC-AUC {format_ci(test.get('roc_auc'))} (a budgeted look)")
        console.print(
            f"[bold]Inference[/bold]   {e.inference or '(none written yet: readiness journal note)'}"
        )
        for r in history:
            console.print(
                f"  {r.created_at:%Y-%m-%d %H:%M} {r.who} changed the {r.field}: {r.old_value!r} → {r.new_value!r}"
            )


@journal.command("note")
@click.argument("experiment_id")
@click.option("--inference", help="What the result means (the earlier text is kept in the history).")
@click.option("--hypothesis", help="What you expected, and why.")
@team_option
def journal_note(experiment_id: str, inference: str | None, hypothesis: str | None, team: str) -> None:
    """Write an experiment's inference or hypothesis."""
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.journal.journal import edit_text

    if inference is None and hypothesis is None:
        raise UserErrorExit("Give --inference TEXT or --hypothesis TEXT.")
    _, engine, _ = open_local(load_settings())
    with session_scope(engine) as session:
        e = _experiment(session, team_id_of(session, team), experiment_id)
        for field, value in (("inference", inference), ("hypothesis", hypothesis)):
            if value is not None:
                if "\x00" in value:
                    raise UserErrorExit("The text must not contain the NUL character.")
                edit_text(session, e, field, value, cli_who())
        click.echo(f"Noted on experiment {e.id}.")


@journal.command("export")
@click.option("--project", required=True, help="The project (by name).")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "csv"]), default="markdown", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout).")
@team_option
def journal_export(project: str, fmt: str, out: Path | None, team: str) -> None:
    """A project's whole journal as Markdown or CSV, oldest first."""
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.journal.export import journal_csv, journal_markdown
    from service.journal.journal import JournalFilter, journal_query
    from service.models import Experiment

    _, engine, _ = open_local(load_settings())
    with session_scope(engine) as session:
        team_id = team_id_of(session, team)
        project_id = _project_id(session, team_id, project)
        rows = session.scalars(
            journal_query(team_id, JournalFilter(project_id=project_id)).order_by(
                Experiment.created_at, Experiment.id
            )
        ).all()
        text = journal_csv(rows) if fmt == "csv" else journal_markdown(project, rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(rows)} experiments to {out}.")
