"""Model downloads from the dashboard: the same zips as the API (a safe bundle with its model card), behind
the dashboard's session and team checks; a run without a fitted model shows the error page (409)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service.dashboard.deps import AssessmentPage
from service.dashboard.pages.journal import ExperimentPage
from service.dashboard.templating import SECURITY_HEADERS
from service.exports.bundles import bundle_name, zip_bytes
from service.exports.sources import assessment_source, experiment_source
from service.web.deps import ArtifactsDep, EngineDep, SessionDep

router = APIRouter()


def _zip(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.zip"',
            "Cache-Control": SECURITY_HEADERS["Cache-Control"],
        },
    )


@router.get("/journal/{experiment_id}/model.zip")
def experiment_model_zip(
    experiment: ExperimentPage, session: SessionDep, engine: EngineDep, artifacts: ArtifactsDep
) -> Response:
    source = experiment_source(engine, artifacts, session, experiment)
    return _zip(zip_bytes(artifacts, source), bundle_name(source))


@router.get("/assessments/{assessment_id}/models/{name}.zip")
def assessment_model_zip(
    assessment: AssessmentPage, name: str, session: SessionDep, engine: EngineDep, artifacts: ArtifactsDep
) -> Response:
    source = assessment_source(engine, artifacts, session, assessment, name)
    return _zip(zip_bytes(artifacts, source), bundle_name(source))
