"""`readiness model export ID --out PATH` and `readiness export mlflow --tracking-uri URI`: taking a fitted
model (safe formats and its model card) or every run (into MLflow) out of Readiness."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.support import LOCAL_TEAM, UserErrorExit, load_settings, team_id_of

team_option = click.option("--team", default=LOCAL_TEAM, show_default=True, help="Whose records.")


@click.group()
def model() -> None:
    """Fitted models: take one away in a format that is safe to load, with its model card."""


@model.command("export")
@click.argument("ident", metavar="ID")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="A new (or empty) folder, or a path ending in .zip.",
)
@click.option(
    "--model",
    "model_name",
    help="An assessment's model (e.g. 'XGBoost', 'random_forest'); default: the one it recommends shipping.",
)
@team_option
def model_export(ident: str, out: Path, model_name: str | None, team: str) -> None:
    """Export the fitted model of experiment or assessment ID (a unique prefix of at least 6 characters)."""
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.exports.bundles import export_to
    from service.exports.sources import assessment_source, experiment_source, resolve
    from service.models import Assessment

    _, engine, artifacts = open_local(load_settings())
    with session_scope(engine) as session:
        found = resolve(session, team_id_of(session, team), ident)
        if isinstance(found, Assessment):
            source = assessment_source(engine, artifacts, session, found, model_name)
        elif model_name is not None:
            raise UserErrorExit(f"{ident} is an experiment: it has one model; leave out --model.")
        else:
            source = experiment_source(engine, artifacts, session, found)
        written = export_to(artifacts, source, out)
    click.echo(f"Exported {source.name} of {source.kind} {source.source_id} to {written}")
    click.echo("Load it with the bundle's load_model.py (see its README.md); no file in it is a pickle.")


@click.group("export")
def export_group() -> None:
    """Export runs to the tools a team already uses."""


@export_group.command("mlflow")
@click.option("--tracking-uri", required=True, help="An MLflow tracking URI, e.g. file:///path/mlruns.")
@click.option("--project", "project_name", help="Only this project (by name).")
@team_option
def export_mlflow_command(tracking_uri: str, project_name: str | None, team: str) -> None:
    """Log every finished assessment and experiment as an MLflow run (again: only the new ones)."""
    from service.cli.journal import _project_id
    from service.database.engine import session_scope
    from service.datasets.local import open_local
    from service.exports.mlflow_export import client_for, export_mlflow

    client_for(tracking_uri)  # a missing mlflow-skinny is said before the database starts
    _, engine, artifacts = open_local(load_settings())
    with session_scope(engine) as session:
        team_id = team_id_of(session, team)
        project_id = _project_id(session, team_id, project_name)
    summary = export_mlflow(engine, artifacts, team_id, tracking_uri, project_id=project_id)
    click.echo(
        f"MLflow ({tracking_uri}): {len(summary.created)} runs written, {len(summary.skipped)} already there."
    )
