"""The label suspects of an assessment as CSV: the rows confident learning thinks are mislabelled, with
their row numbers, for the team to relabel (the report's `label_noise.suspects`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service.assessments.label_suspects import CSV_MEDIA_TYPE, assessment_suspects_csv, download_headers
from service.web.deps import AssessmentDep
from service.web.errors import ErrorPublic

router = APIRouter(tags=["assessments"])


@router.get(
    "/assessments/{assessment_id}/label-suspects.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "One row per suspect, most likely mislabelled first.",
        },
        404: {
            "model": ErrorPublic,
            "description": "No such assessment in your team (not_found), or it has no label suspects yet "
            "(no_label_suspects).",
        },
    },
)
def label_suspects_csv(assessment: AssessmentDep) -> Response:
    """The rows most likely mislabelled: row (0-based data row of the file), split, given and suggested
    label, self-confidence and margin, most likely mislabelled first."""
    return Response(
        assessment_suspects_csv(assessment), media_type=CSV_MEDIA_TYPE, headers=download_headers(assessment)
    )
