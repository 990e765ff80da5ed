"""Taking work away: a fitted model as a zip (safe formats and its model card), every run into MLflow."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from service.exports.bundles import bundle_name, zip_bytes
from service.exports.mlflow_export import check_api_uri, export_mlflow
from service.exports.sources import assessment_source, experiment_source
from service.web.deps import (
    ArtifactsDep,
    AssessmentDep,
    CurrentKey,
    EngineDep,
    ExperimentDep,
    ProjectDep,
    SessionDep,
    SettingsDep,
)
from service.web.errors import ErrorPublic

router = APIRouter(tags=["exports"])
ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "The bundle: model, preprocessing, model card."},
    404: {"model": ErrorPublic, "description": "No such record (or model) in your team."},
    409: {
        "model": ErrorPublic,
        "description": "No fitted model to export (no_fitted_model): e.g. a failed run.",
    },
}


def _zip(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


@router.get("/experiments/{experiment_id}/model", responses=ZIP, response_class=Response)
def experiment_model(
    experiment: ExperimentDep, session: SessionDep, engine: EngineDep, artifacts: ArtifactsDep
) -> Response:
    """The experiment's fitted model as a zip: skops / XGBoost JSON / safetensors, never a pickle."""
    source = experiment_source(engine, artifacts, session, experiment)
    return _zip(zip_bytes(artifacts, source), bundle_name(source))


@router.get("/assessments/{assessment_id}/models/{name}", responses=ZIP, response_class=Response)
def assessment_model(
    assessment: AssessmentDep, name: str, session: SessionDep, engine: EngineDep, artifacts: ArtifactsDep
) -> Response:
    """One of the assessment's fitted models (by label or family, e.g. `XGBoost` or `xgboost`) as a zip."""
    source = assessment_source(engine, artifacts, session, assessment, name)
    return _zip(zip_bytes(artifacts, source), bundle_name(source))


class MlflowExport(BaseModel):
    tracking_uri: str = Field(
        description="file: URI under READINESS_HOME/mlflow, or one listed in READINESS_MLFLOW_ALLOWED_URIS."
    )


@router.post(
    "/projects/{project_id}/export/mlflow",
    responses={
        422: {"model": ErrorPublic, "description": "A tracking URI the server may not write to."},
        501: {"model": ErrorPublic, "description": "mlflow-skinny is not installed on the server."},
    },
)
def project_to_mlflow(
    project: ProjectDep,
    body: MlflowExport,
    key: CurrentKey,
    engine: EngineDep,
    artifacts: ArtifactsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Log the project's finished assessments and experiments as MLflow runs; runs already there are skipped."""
    uri = check_api_uri(body.tracking_uri, settings.mlflow_allowed_uris, settings.home / "mlflow")
    return export_mlflow(engine, artifacts, key.team_id, uri, project_id=project.id).to_json()
