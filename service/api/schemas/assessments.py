"""Assessments: one job each, with its progress and, when it has succeeded, the report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.assessments.progress_summary import summarize_record
from service.models import Assessment, AssessmentStatus
from workers.report.model import Report


class AssessmentError(BaseModel):
    code: str
    detail: str | None


class ProgressInfo(BaseModel):
    """What the assessment is doing now, in words, with its elapsed time and an ETA (service/assessments/progress_summary.py)."""

    stage: str | None
    stage_title: str
    fraction: float = Field(description="0..1 within the current stage (as `progress`).")
    detail: dict[str, Any] = Field(description="As `progress_detail`.")
    message: str = Field(
        description='A short phrase: "fitting XGBoost", "training the deep model, epoch 7 of ≤60", '
        '"learning curve: 4 of 6 points done", "bootstrapping test metrics".'
    )
    work_done: float = Field(description="0..1 of the whole assessment, by rough stage weights.")
    elapsed_seconds: float | None = Field(description="Since a worker started it (to its end once finished).")
    eta_seconds: float | None = Field(
        description="Seconds left at the pace so far; null when unknown (queued, just started, failed), never negative."
    )


class AssessmentSummary(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID
    split_id: uuid.UUID | None
    status: AssessmentStatus
    queue: str
    stage: str | None
    progress: float = Field(description="0..1 within the current stage.")
    progress_detail: dict[str, Any] | None
    error: AssessmentError | None
    cancel_requested: bool
    config: dict[str, Any] | None
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress_info: ProgressInfo = Field(description="The progress in words, with elapsed time and ETA.")

    @classmethod
    def from_row(cls, row: Assessment, **extra: Any) -> Any:
        fields = {
            name: getattr(row, name)
            for name in AssessmentSummary.model_fields
            if name not in ("error", "progress_info")
        }
        error = AssessmentError(code=row.error_code, detail=row.error_detail) if row.error_code else None
        info = summarize_record(row)
        return cls(**fields, error=error, progress_info=ProgressInfo(**info), **extra)


class AssessmentPublic(AssessmentSummary):
    report: Report | None = Field(
        description="The report, once the assessment has succeeded: the JSON the assessment stored, as it stored it."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="On submission: models of this assessment that already ran on the same data (the journal).",
    )

    @classmethod
    def from_row(cls, row: Assessment, **extra: Any) -> Any:
        return super().from_row(row, report=row.report, **extra)


class AssessmentsPublic(BaseModel):
    """Summaries without the report; GET /assessments/{id} has it."""

    data: list[AssessmentSummary]
    count: int
