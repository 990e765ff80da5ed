"""Batches: submit many projects, datasets, assessments and grids in one file (checked as a whole before
anything is queued), then follow the batch and each item's progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from sqlalchemy import func, select

from service.api.schemas.batches import BatchesPublic, BatchPublic, BatchSummary
from service.batches import UploadedFiles, batch_status, submit_batch
from service.batches.cancel import cancel_batch
from service.batches.upload import read_spec_text
from service.models import Batch
from service.web.deps import (
    ArtifactsDep,
    BatchDep,
    CurrentKey,
    EngineDep,
    JobAppDep,
    PageDep,
    SessionDep,
    SettingsDep,
    who,
)
from service.web.errors import ErrorPublic, UnsupportedMediaType

router = APIRouter(prefix="/batches", tags=["batches"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic, "description": "No such batch in your team."}}


def require_multipart(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Submit a batch as multipart/form-data: the batch file in `spec` and each dataset file in `files`; "
            f"got content type {content_type or 'none'!r}. With curl: -F spec=@batch.yaml -F files=@data.csv."
        )


def read_spec(spec: UploadFile) -> str:
    return read_spec_text(spec.file)


@router.post(
    "",
    response_model=BatchPublic,
    status_code=202,
    responses={
        413: {"model": ErrorPublic, "description": "A file over READINESS_MAX_UPLOAD_MB (file_too_large)."},
        415: {"model": ErrorPublic, "description": "Not multipart/form-data."},
        422: {
            "model": ErrorPublic,
            "description": "The batch has problems (invalid_batch): `detail` lists them and `problems` has "
            "each as {item, position, detail, code}. Nothing was recorded or queued.",
        },
    },
)
def create_batch(
    _multipart: Annotated[None, Depends(require_multipart)],
    spec: Annotated[UploadFile, File(description="The batch file, YAML or JSON (docs/batches.md).")],
    session: SessionDep,
    key: CurrentKey,
    engine: EngineDep,
    job_app: JobAppDep,
    settings: SettingsDep,
    artifacts: ArtifactsDep,
    request: Request,
    response: Response,
    files: Annotated[
        list[UploadFile] | None,
        File(description="The files the batch names: datasets (CSV/Parquet), questionnaire answers (YAML)."),
    ] = None,
) -> BatchPublic:
    """Check the whole batch, then record and queue every item; poll the Location for progress."""
    uploaded = UploadedFiles(files or [], artifacts, max_bytes=settings.max_upload_bytes)
    batch = submit_batch(
        engine,
        job_app,
        text=read_spec(spec),
        filename=spec.filename or "",
        team_id=key.team_id,
        files=uploaded,
        settings=settings,
        who=who(key),
    )
    response.headers["Location"] = request.app.url_path_for("get_batch", batch_id=str(batch.id))
    return BatchPublic.from_state(batch_status(session, batch))


@router.get("", response_model=BatchesPublic)
def list_batches(session: SessionDep, key: CurrentKey, page: PageDep) -> BatchesPublic:
    """Your team's batches, newest first, each with its status and items counted by status."""
    mine = Batch.team_id == key.team_id
    count = session.scalar(select(func.count()).select_from(Batch).where(mine)) or 0
    rows = session.scalars(
        select(Batch)
        .where(mine)
        .order_by(Batch.created_at.desc(), Batch.id)
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return BatchesPublic(
        data=[BatchSummary.from_state(batch_status(session, row)) for row in rows], count=count
    )


@router.get("/{batch_id}", response_model=BatchPublic, responses=NOT_FOUND)
def get_batch(batch: BatchDep, session: SessionDep) -> BatchPublic:
    """The batch's status and every item's: the record it made, its progress, and its headline result."""
    return BatchPublic.from_state(batch_status(session, batch))


@router.post("/{batch_id}/cancel", response_model=BatchPublic, responses=NOT_FOUND)
def cancel(
    batch: BatchDep, session: SessionDep, engine: EngineDep, job_app: JobAppDep, key: CurrentKey
) -> BatchPublic:
    """Cancel every item still running: assessments stop (a queued one at once), grids' waiting points are
    withdrawn. Projects and datasets the batch made stay."""
    cancel_batch(engine, session, job_app, batch, who=who(key))
    return BatchPublic.from_state(batch_status(session, batch))
