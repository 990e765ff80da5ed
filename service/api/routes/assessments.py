"""Assessments: start one on a dataset (a queued job), follow its progress, read its report, cancel it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from service.api.schemas.assessments import (
    AssessmentPublic,
    AssessmentsPublic,
    AssessmentSummary,
)
from service.assessments.requests import AssessmentCreate
from service.assessments.submit import request_cancel, submit_assessment
from service.journal.assessment_records import repeat_warnings
from service.models import Assessment, AssessmentStatus, Dataset
from service.web.deps import (
    AssessmentDep,
    CurrentKey,
    EngineDep,
    JobAppDep,
    PageDep,
    ProjectDep,
    SessionDep,
    SettingsDep,
    who,
)
from service.web.errors import ErrorPublic
from workers.errors import NotFound, ReadinessError

router = APIRouter(tags=["assessments"])

FINISHED = (AssessmentStatus.succeeded, AssessmentStatus.failed, AssessmentStatus.cancelled)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic, "description": "No such assessment in your team."}}


class AssessmentFinished(ReadinessError):
    """The assessment has already finished; there is nothing to cancel."""

    code = "assessment_finished"
    http_status = 409


@router.post(
    "/projects/{project_id}/assessments",
    response_model=AssessmentPublic,
    status_code=202,
    responses={
        404: {"model": ErrorPublic, "description": "No such project, or no such dataset in it."},
        409: {
            "model": ErrorPublic,
            "description": "No look at the test split is left for another assessment (test_budget_exhausted): "
            "the looks spent and those reserved by the dataset's assessments queued or running use up its "
            "budget, which every seed of the dataset (and any dataset repeating its rows) shares. Refused "
            "before anything is queued or trained.",
        },
        422: {"model": ErrorPublic, "description": "An option cannot be used (invalid_option)."},
    },
)
def start_assessment(
    project: ProjectDep,
    body: AssessmentCreate,
    session: SessionDep,
    key: CurrentKey,
    engine: EngineDep,
    job_app: JobAppDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> AssessmentPublic:
    """Queue an assessment of one of the project's datasets; poll the Location for progress and report."""
    dataset = session.scalar(
        select(Dataset).where(Dataset.id == body.dataset_id, Dataset.project_id == project.id)
    )
    if dataset is None:
        raise NotFound(f"Dataset {body.dataset_id} not found in project {project.id}")
    assessment = submit_assessment(
        engine,
        job_app,
        project=project,
        dataset=dataset,
        options=body.model_dump(exclude={"dataset_id"}, exclude_none=True),
        who=who(key),
        settings=settings,
    )
    response.headers["Location"] = request.app.url_path_for(
        "get_assessment", assessment_id=str(assessment.id)
    )
    warnings = repeat_warnings(session, project, dataset, assessment.config or {})
    return AssessmentPublic.from_row(assessment, warnings=warnings)


@router.get("/projects/{project_id}/assessments", response_model=AssessmentsPublic)
def list_assessments(project: ProjectDep, session: SessionDep, page: PageDep) -> AssessmentsPublic:
    """The project's assessments, newest first (without their reports)."""
    mine = Assessment.project_id == project.id
    count = session.scalar(select(func.count()).select_from(Assessment).where(mine)) or 0
    rows = session.scalars(
        select(Assessment)
        .where(mine)
        .order_by(Assessment.created_at.desc(), Assessment.id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return AssessmentsPublic(data=[AssessmentSummary.from_row(row) for row in rows], count=count)


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic, responses=NOT_FOUND)
def get_assessment(assessment: AssessmentDep) -> AssessmentPublic:
    """Status, stage and progress of an assessment, and its report once it has succeeded."""
    return AssessmentPublic.from_row(assessment)


@router.post(
    "/assessments/{assessment_id}/cancel",
    response_model=AssessmentPublic,
    status_code=202,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorPublic, "description": "Already finished (assessment_finished)."},
    },
)
def cancel_assessment(
    assessment: AssessmentDep, engine: EngineDep, job_app: JobAppDep, key: CurrentKey
) -> AssessmentPublic:
    """Cancel an assessment: a queued one at once, a running one at its next batch."""
    if assessment.status in FINISHED:
        raise AssessmentFinished(
            f"Assessment {assessment.id} has already {assessment.status.value}; there is nothing to cancel."
        )
    return AssessmentPublic.from_row(request_cancel(engine, job_app, assessment, who=who(key)))
