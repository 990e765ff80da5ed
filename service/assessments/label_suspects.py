"""An assessment's label suspects as a CSV download, the same for the API and the dashboard: the rows
confident learning thinks are mislabelled (the report's `label_noise.suspects`), with their row numbers."""

from __future__ import annotations

from service.models import Assessment
from workers.errors import ReadinessError
from workers.report.noise_csv import suspects_csv


class NoLabelSuspects(ReadinessError):
    """The assessment has no label-noise section: it has not succeeded yet, or its report predates it."""

    code = "no_label_suspects"
    http_status = 404


def assessment_suspects_csv(assessment: Assessment) -> str:
    """The CSV of a finished assessment's label suspects; `NoLabelSuspects` when there is none."""
    text = suspects_csv(assessment.report) if assessment.report else None
    if text is None:
        why = "it has no report yet" if not assessment.report else "its report has no label-noise section"
        raise NoLabelSuspects(f"Assessment {assessment.id} has no label suspects: {why}.")
    return text


def download_headers(assessment: Assessment) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="label-suspects-{str(assessment.id)[:8]}.csv"'}


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
