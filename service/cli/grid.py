"""`readiness grid FILE.yaml`: a hyperparameter grid on a local file, from the command line.

The file (keys below) names the data, the model family and the grid. Points whose procedure already ran
are reused; the rest are queued, and unless --no-wait the command works them with in-process workers
(any `readiness worker` on the same database helps) and ends with the validation leaderboard.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.cli.person import cli_who
from service.cli.support import DEFAULT_SEED, UserErrorExit, load_settings
from workers.numbers import format_ci, format_metric, format_seconds
from workers.safe_yaml import DocumentTooComplex, bounded_message, load_yaml

if TYPE_CHECKING:  # the rest is imported when the command runs: `readiness --help` need not load it
    from service.journal.grids import GridRequest, RankBy
    from service.models import Grid

GRID_FILE_KEYS = {
    "data": "the CSV/Parquet file, a zip or folder of images, relative to the grid file (required)",
    "target": "the label column (required)",
    "family": "logistic_regression, random_forest, xgboost or deep (required)",
    "positive": "the positive class",
    "project": "the project to record it under (default: the data file's name)",
    "grid": "hyperparameter → list, {log_range: [low, high], count: n} or {range: [...], count: n}",
    "seed": "the training seed",
    "split_seed": "which split",
    "keep_columns": "columns to keep although a check leaves them out",
    "split": "auto, random, time or group (auto: by group_column, else by a date column, else random)",
    "time_column": "the date/time column to split by",
    "group_column": "an entity column (patient, customer) kept in one part",
    "device": "auto, cpu or cuda",
    "name": "a name for the grid",
    "hypothesis": "what you expect, and why",
    "tags": "labels for the journal",
}
POLL_SECONDS = 0.5


def read_grid_file(path: Path) -> dict[str, Any]:
    try:
        spec = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserErrorExit(f"{path} does not exist.") from None
    except DocumentTooComplex as error:
        raise UserErrorExit(f"{path} cannot be read: {error}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UserErrorExit(bounded_message(f"{path} is not a readable YAML file: {error}")) from None
    if not isinstance(spec, dict):
        raise UserErrorExit(f"{path} must be a mapping with the keys {', '.join(GRID_FILE_KEYS)}.")
    unknown = sorted(set(map(str, spec)) - set(GRID_FILE_KEYS))
    missing = [key for key in ("data", "target", "family") if key not in spec]
    if unknown or missing:
        known = "\n".join(f"  {key}: {why}" for key, why in GRID_FILE_KEYS.items())
        problems = ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing {', '.join(missing)}"] if missing else []
        )
        raise UserErrorExit(f"{path}: {'; '.join(problems)}. A grid file has:\n{known}")
    return spec


def _whole(spec: dict[str, Any], key: str) -> int:
    value = spec.get(key, DEFAULT_SEED)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserErrorExit(f"{key} must be a whole number; got {value!r}.")
    return value


def _names(spec: dict[str, Any], key: str) -> tuple[str, ...]:
    value = spec.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise UserErrorExit(f"{key} must be a list of names; got {value!r}.")
    return tuple(map(str, value))


def _request(spec: dict[str, Any]) -> GridRequest:
    from service.journal.grids import GridRequest

    grid = spec.get("grid")
    if grid is not None and not isinstance(grid, dict):
        raise UserErrorExit(f"grid must map hyperparameter names to values; got {grid!r}.")
    return GridRequest(
        model_family=str(spec["family"]),
        grid=grid,
        seed=_whole(spec, "seed"),
        split_seed=_whole(spec, "split_seed"),
        keep_columns=_names(spec, "keep_columns"),
        split={
            key: spec[key] for key in ("split", "time_column", "group_column") if spec.get(key) is not None
        },
        device=str(spec.get("device") or "auto"),
        name=str(spec.get("name") or ""),
        hypothesis=str(spec.get("hypothesis") or ""),
        tags=_names(spec, "tags"),
    )


def _submitted(grid: Grid | None) -> Grid:
    """The grid this command submitted, read again by id."""
    assert grid is not None, "only a grid whose points could not be queued is deleted, before it is returned"
    return grid


def print_leaderboard(console: Console, board: dict[str, Any]) -> None:
    """The leaderboard as a table, then how it was ranked and, once promoted, the promoted point's look."""
    table = Table(title=f"Grid leaderboard (validation only, ranked by {board['ranked_by']})")
    for column in (
        "rank",
        "experiment",
        "hyperparameters",
        "val ROC-AUC",
        "Ladder",
        "train ROC-AUC",
        "fit",
        "status",
    ):
        table.add_column(column, overflow="fold")
    for row in board["rows"]:
        params = ", ".join(f"{k}={v}" for k, v in row["hyperparameters"].items())
        marks = (" (reused)" if row["reused"] else "") + (" (promoted)" if row.get("promoted") else "")
        table.add_row(
            str(row.get("rank") or "–"),
            row["experiment_id"][:8] + marks,
            params,
            format_metric(row["validation_roc_auc"]),
            format_metric(row["ladder_roc_auc"]) if row.get("ladder_new_best") else "–",
            format_metric(row["train_roc_auc"]),
            format_seconds(row["fit_seconds"]) if row["fit_seconds"] is not None else "",
            row["status"] + (f": {row['error']}" if row["error"] else ""),
        )
    console.print(table)
    console.print(board["explanation"], style="dim")
    print_promoted(console, board.get("promoted"))


def print_promoted(console: Console, promoted: dict[str, Any] | None) -> None:
    """The point the grid promoted and its test result, or that the test split is untouched."""
    if not promoted:
        console.print("No point promoted yet: the test split is untouched.")
        return
    metrics = promoted.get("test_metrics") or {}
    budget = promoted.get("budget") or {}
    params = ", ".join(f"{k}={v}" for k, v in promoted["hyperparameters"].items())
    which = "best point" if promoted.get("rank") == 1 else "promoted point"
    console.print(
        f"Test split, {which} {str(promoted['experiment_id'])[:8]} (rank {promoted.get('rank') or '–'}; {params}): "
        f"test ROC-AUC {format_ci(metrics.get('roc_auc'))}, PR-AUC {format_ci(metrics.get('pr_auc'))} "
        f"(validation {format_metric(promoted.get('validation_roc_auc'))}); "
        f"test looks used {budget.get('used')} of {budget.get('limit')}."
    )


@click.command("grid")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--no-wait", is_flag=True, help="Queue the points and return; workers elsewhere run them.")
@click.option(
    "--workers", type=click.IntRange(1, 16), default=1, show_default=True, help="In-process workers."
)
@click.option(
    "--rank-by",
    type=click.Choice(["ladder", "validation"]),
    default="ladder",
    show_default=True,
    help="ladder: a point leads only by beating the simpler leader by a step (Blum & Hardt 2015).",
)
@click.option(
    "--promote",
    "promote_reason",
    help="Then look at the test split with the best point; the reason is recorded.",
)
@click.option(
    "--split",
    "split_method",
    type=click.Choice(["auto", "random", "time", "group"]),
    help="How to split the rows (overrides the file's split): auto, random, time or group.",
)
@click.option("--time-column", help="The date/time column to split by (overrides the file's time_column).")
@click.option("--group-column", help="An entity column kept in one part (overrides the file's group_column).")
def grid(
    file: Path,
    no_wait: bool,
    workers: int,
    rank_by: RankBy,
    promote_reason: str | None,
    split_method: str | None,
    time_column: str | None,
    group_column: str | None,
) -> None:
    """Run the hyperparameter grid described by FILE (YAML) and show its leaderboard."""
    from service.artifacts import ArtifactStore
    from service.assessments.runtime import run_worker_in_thread
    from service.cli.image_inputs import readable_input
    from service.database.engine import session_scope
    from service.datasets.intake import inspect_upload, stored_suffix
    from service.datasets.local import local_dataset, local_project, open_local
    from service.jobs.app import QUEUES, make_job_app
    from service.journal.grids import grid_progress, leaderboard, plan_grid, submit_grid
    from service.journal.promotion import look_at_test
    from service.models import Grid

    console = Console(highlight=False)
    spec = read_grid_file(file)
    given = {"split": split_method, "time_column": time_column, "group_column": group_column}
    spec |= {key: value for key, value in given.items() if value is not None}
    given_data = (file.parent / str(spec["data"])).resolve()
    request = _request(spec)
    settings = load_settings()
    with readable_input(given_data) as data:  # a folder or a CSV of image paths: zipped (as `assess` does)
        stored_suffix(data.name)
        found = inspect_upload(  # here, not apart: the CLI is alone in its process (README, Hostile inputs)
            data,
            target=str(spec["target"]),
            positive=spec.get("positive"),
            max_bytes=settings.max_upload_bytes,
            name=data.name,
            limits=settings.table_limits,
            artifacts=ArtifactStore(settings.artifacts_path),  # a file read before is not parsed again
            apart=False,
            image_limits=settings.image_limits,
        )
        settings, engine, artifacts = open_local(settings)
        with session_scope(engine) as session:
            project = local_project(session, str(spec.get("project") or given_data.stem), None, 3)
        dataset = local_dataset(engine, artifacts, project, data, found, max_bytes=settings.max_upload_bytes)
    plan_grid(dataset, request)  # a bad grid is refused before anything is queued
    job_app = make_job_app(settings.database_url or "")
    with job_app.open():
        row = submit_grid(engine, job_app, project=project, dataset=dataset, request=request, who=cli_who())
    console.print(
        f"Grid {row.id}: {row.points} points, {row.reused} reused from the journal, "
        f"{row.points - row.reused} queued."
    )
    if no_wait:
        console.print(
            "Workers run the points: `readiness worker` (or `readiness serve`). Follow it with "
            f"GET /api/v1/grids/{row.id}."
        )
        return
    threads = [run_worker_in_thread(settings, queues=list(QUEUES)) for _ in range(workers)]
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("grid points", total=row.points)
            while True:
                with session_scope(engine) as session:
                    progress = grid_progress(session, _submitted(session.get(Grid, row.id)))
                done = progress["succeeded"] + progress["failed"] + progress["cancelled"]
                bar.update(task, completed=done)
                if done >= row.points:
                    break
                time.sleep(POLL_SECONDS)
    finally:
        for thread in threads:
            thread.stop()
    with session_scope(engine) as session:
        board = leaderboard(session, _submitted(session.get(Grid, row.id)), rank_by=rank_by)
    if promote_reason:
        best = next((r for r in board["rows"] if r.get("rank") == 1), None)
        if best is None:
            print_leaderboard(console, board)
            raise UserErrorExit("No point has a score to promote.")
        look_at_test(
            engine,
            artifacts,
            uuid.UUID(best["experiment_id"]),
            reason=promote_reason,
            who=cli_who(),
            grid_id=row.id,
        )
        with session_scope(engine) as session:  # read again: the leaderboard now shows the look
            board = leaderboard(session, _submitted(session.get(Grid, row.id)), rank_by=rank_by)
    print_leaderboard(console, board)
    engine.dispose()
