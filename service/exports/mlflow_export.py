"""Every assessment and experiment of a team (or of one project) into an MLflow tracking store.

One MLflow experiment per project (`readiness/<project name>`), one run per assessment and per journal
experiment: parameters (the procedure), metrics with their interval bounds (`test_roc_auc`,
`test_roc_auc_ci_low`, `test_roc_auc_ci_high`; an assessment's per model: `xgboost.test_roc_auc`, …), the test
look (tag `readiness.test_look_id`: the ledger row), the reports (JSON, HTML) and the model card as artifacts.

Idempotent: each run is tagged `readiness.id` (our id) and, once everything is logged, `readiness.export`
= `complete`. An export first reads the runs already in the MLflow experiment: a complete one is skipped, an
incomplete one (an export that died half-way) is deleted and written again. Two exports running at the same
time into one store may still both write a run; the tracking store has no unique key to stop that.

mlflow-skinny is an optional extra (`pip install 'readiness[mlflow]'`), imported only here, when it runs.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy import Engine, select

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.exports.bundles import model_card, versions
from service.exports.sources import NoFittedModel, experiment_source
from service.models import Assessment, Experiment, Project
from service.models.ledger import TestLook
from workers.errors import InvalidOption, ReadinessError
from workers.export.card import card_markdown
from workers.report.model import as_report

ID_TAG, DONE_TAG, DONE = "readiness.id", "readiness.export", "complete"
MAX_PARAM_CHARS = 6000  # MLflow's limit on a parameter's value


class MlflowMissing(ReadinessError):
    """mlflow-skinny is not installed."""

    code = "mlflow_not_installed"
    http_status = 501


class UriNotAllowed(ReadinessError):
    code = "tracking_uri_not_allowed"
    http_status = 422
    field = "tracking_uri"


@dataclass
class ExportSummary:
    tracking_uri: str
    created: list[str] = field(default_factory=list)  # our ids of the runs written now
    skipped: list[str] = field(default_factory=list)  # already there, complete
    experiments: dict[str, str] = field(default_factory=dict)  # project name → MLflow experiment id

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_uri": self.tracking_uri,
            "created": len(self.created),
            "skipped": len(self.skipped),
            "created_ids": self.created,
            "mlflow_experiments": self.experiments,
        }


def client_for(tracking_uri: str) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as error:
        raise MlflowMissing(
            "The MLflow export needs mlflow-skinny: pip install 'readiness[mlflow]' (or mlflow-skinny==3.17.2)."
        ) from error
    if tracking_uri.startswith("file:"):
        # MLflow 3 keeps its file store in maintenance mode and refuses it unless told otherwise; it still
        # reads and writes it, and a plain folder is what a team without a tracking server has.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return MlflowClient(tracking_uri=tracking_uri)


def check_api_uri(uri: str, allowed: list[str], file_root: Path) -> str:
    """A tracking URI the server may write to: a `file:` URI inside `file_root` (HOME/mlflow), or one
    starting with an entry of `allowed` (READINESS_MLFLOW_ALLOWED_URIS). Anything else is refused: the server
    would otherwise send the team's records to any address a request names (server-side request forgery),
    or write them anywhere on its disk."""
    uri = uri.strip()
    if any(entry and uri.startswith(entry) for entry in allowed):
        return uri
    if uri.startswith("file:"):
        path = Path(unquote(urlparse(uri).path)).resolve()
        root = file_root.resolve()
        if path == root or root in path.parents:
            return uri
    raise UriNotAllowed(
        f"The API writes MLflow runs only to file: URIs under {file_root} or to the URIs listed in "
        f"READINESS_MLFLOW_ALLOWED_URIS (a server must not send data to any address a request names); "
        f"{uri!r} is neither."
    )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _interval_metrics(prefix: str, metrics: dict[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, dict) and isinstance(value.get("value"), int | float):
            out[f"{prefix}{name}"] = float(value["value"])
            for bound in ("ci_low", "ci_high"):
                if isinstance(value.get(bound), int | float):
                    out[f"{prefix}{name}_{bound}"] = float(value[bound])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{name}"] = float(value)
    return out


def _params(values: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[f"{prefix}{key}"] = text[:MAX_PARAM_CHARS]
    return out


def _experiment_id(client: Any, project: Project) -> str:
    name = f"readiness/{project.name}"
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    return str(client.create_experiment(name, tags={"readiness.project_id": str(project.id)}))


def _existing(client: Any, experiment_id: str) -> dict[str, list[Any]]:
    """Our id → the runs carrying it in this MLflow experiment."""
    runs: dict[str, list[Any]] = {}
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        for run in page:
            ours = run.data.tags.get(ID_TAG)
            if ours:
                runs.setdefault(ours, []).append(run)
        token = page.token
        if not token:
            return runs


def _log(
    client: Any,
    experiment_id: str,
    *,
    ours: str,
    name: str,
    started: Any,
    status: str,
    params: dict[str, str],
    metrics: dict[str, float],
    tags: dict[str, str],
    texts: dict[str, str],
) -> None:
    from mlflow.entities import Metric, Param

    start_ms = int(started.timestamp() * 1000) if started else int(time.time() * 1000)
    run = client.create_run(experiment_id, start_time=start_ms, run_name=name, tags={ID_TAG: ours, **tags})
    run_id = run.info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric(key, value, start_ms, 0) for key, value in metrics.items()],
        params=[Param(key, value) for key, value in params.items()],
    )
    for path, text in texts.items():
        client.log_text(run_id, text, path)
    client.set_tag(run_id, DONE_TAG, DONE)  # last: a run without it is an export that died half-way
    client.set_terminated(run_id, status="FINISHED" if status == "succeeded" else "FAILED", end_time=start_ms)


def _assessment_run(session: Any, a: Assessment) -> dict[str, Any]:
    from workers.report.html import render_html

    report = as_report(a.report or {})
    metrics: dict[str, float] = {}
    for model in report.models:
        prefix = f"{slug(model.name or 'model')}."
        metrics.update(_interval_metrics(f"{prefix}val_", dict(model.validation or {})))
        if model.test is not None:
            metrics.update(_interval_metrics(f"{prefix}test_", model.test.model_dump(mode="json")))
    if report.comparison is not None:
        metrics.update(
            _interval_metrics(
                "", {k: getattr(report.comparison, k) for k in ("delta_roc_auc", "delong_p_value")}
            )
        )
        if report.comparison.delta_ci_low is not None:
            metrics["delta_roc_auc_ci_low"] = float(report.comparison.delta_ci_low)
        if report.comparison.delta_ci_high is not None:
            metrics["delta_roc_auc_ci_high"] = float(report.comparison.delta_ci_high)
    tags = {"readiness.kind": "assessment", "readiness.status": a.status.value}
    look = session.scalar(select(TestLook).where(TestLook.assessment_id == a.id))
    if look is not None:
        tags["readiness.test_look_id"] = str(look.id)
        tags["readiness.test_look_reason"] = look.reason[:5000]
    if report.verdict is not None and report.verdict.code:
        tags["readiness.verdict"] = report.verdict.code
    texts = {}
    if a.report:
        texts["report.json"] = json.dumps(a.report, indent=2, default=str)
        texts["report.html"] = render_html(a.report)
    config = dict(a.config or {})
    return {
        "name": f"assessment {str(a.id)[:8]}",
        "params": _params(config),
        "metrics": metrics,
        "tags": tags,
        "texts": texts,
    }


def _experiment_run(engine: Engine, artifacts: ArtifactStore, session: Any, e: Experiment) -> dict[str, Any]:
    procedure = dict(e.procedure or {})
    result = e.result or {}
    hyperparameters = procedure.pop("hyperparameters", None) or result.get("hyperparameters") or {}
    params = {**_params(procedure), **_params(hyperparameters, "hp.")}
    params["model_family"] = e.model_family
    metrics = _interval_metrics("val_", result.get("validation") or {})
    test = (e.test_result or {}).get("metrics")
    metrics.update(_interval_metrics("test_", test))
    tags = {
        "readiness.kind": f"experiment/{e.kind.value}",
        "readiness.status": e.status.value,
        "readiness.hypothesis": (e.hypothesis or "")[:5000],
    }
    if e.assessment_id:
        tags["readiness.assessment_id"] = str(e.assessment_id)
    texts = {
        "experiment.json": json.dumps(
            {"procedure": e.procedure, "result": e.result, "test_result": e.test_result},
            indent=2,
            default=str,
        )
    }
    if test:
        look = (
            next(
                (
                    row
                    for row in session.scalars(select(TestLook).where(TestLook.split_id == e.split_id)).all()
                    if (row.metrics or {}).get("experiment_id") == str(e.id)
                    or (e.assessment_id and row.assessment_id == e.assessment_id)
                ),
                None,
            )
            if e.split_id
            else None
        )
        if look is not None:
            tags["readiness.test_look_id"] = str(look.id)
    texts["model_card.md"] = _card_text(engine, artifacts, session, e)
    return {
        "name": f"{e.model_family} {str(e.id)[:8]}",
        "params": params,
        "metrics": metrics,
        "tags": tags,
        "texts": {k: v for k, v in texts.items() if v},
    }


def _card_text(engine: Engine, artifacts: ArtifactStore, session: Any, e: Experiment) -> str:
    """The model card without re-measuring (the export of many runs must not reload every dataset): the
    recorded validation metrics stand in for the re-measured intervals of `readiness model export`."""
    try:
        source = experiment_source(engine, artifacts, session, e)
    except (NoFittedModel, ReadinessError):
        return ""
    validation = dict((e.result or {}).get("validation") or {})
    card = model_card(source, validation, [])
    return card_markdown(card)


def export_mlflow(
    engine: Engine,
    artifacts: ArtifactStore,
    team_id: uuid.UUID,
    tracking_uri: str,
    *,
    project_id: uuid.UUID | None = None,
) -> ExportSummary:
    """Write every finished assessment and experiment of the team (or of one project) as MLflow runs."""
    client = client_for(tracking_uri)
    summary = ExportSummary(tracking_uri=tracking_uri)
    with session_scope(engine) as session:
        query = select(Project).where(Project.team_id == team_id).order_by(Project.created_at)
        if project_id is not None:
            query = query.where(Project.id == project_id)
        projects = session.scalars(query).all()
        if project_id is not None and not projects:
            raise InvalidOption("No such project in this team.")
        for project in projects:
            mlflow_id = _experiment_id(client, project)
            summary.experiments[project.name] = mlflow_id
            existing = _existing(client, mlflow_id)
            records: list[tuple[str, Any, str, Any]] = []
            for a in session.scalars(
                select(Assessment).where(Assessment.project_id == project.id).order_by(Assessment.created_at)
            ):
                if a.status.value in ("succeeded", "failed", "cancelled"):
                    records.append(
                        (str(a.id), a.created_at, a.status.value, lambda a=a: _assessment_run(session, a))
                    )
            for e in session.scalars(
                select(Experiment).where(Experiment.project_id == project.id).order_by(Experiment.created_at)
            ):
                if e.status.value in ("succeeded", "failed", "cancelled"):
                    records.append(
                        (
                            str(e.id),
                            e.created_at,
                            e.status.value,
                            lambda e=e: _experiment_run(engine, artifacts, session, e),
                        )
                    )
            for ours, created, status, build in records:
                runs = existing.get(ours, [])
                if any(run.data.tags.get(DONE_TAG) == DONE for run in runs):
                    summary.skipped.append(ours)
                    continue
                for run in runs:  # an export that died half-way: write it again
                    client.delete_run(run.info.run_id)
                run = build()
                run["tags"]["readiness.project"] = project.name
                run["tags"]["readiness.versions"] = json.dumps(versions())
                _log(client, mlflow_id, ours=ours, started=created, status=status, **run)
                summary.created.append(ours)
    return summary
