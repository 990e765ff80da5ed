"""Datasets: multipart upload of a CSV or Parquet file, streamed, size-limited, profiled and checked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from sqlalchemy import func, select
from sqlmodel import col

from service.api.schemas.datasets import DatasetPublic, DatasetsPublic
from service.datasets.intake import take_in
from service.models import Dataset
from service.web.deps import (
    ArtifactsDep,
    DatasetDep,
    EngineDep,
    PageDep,
    ProjectDep,
    SessionDep,
    SettingsDep,
)
from service.web.errors import ErrorPublic, UnsupportedMediaType

router = APIRouter(tags=["datasets"])

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {  # as FastAPI's `responses=` takes it
    404: {"model": ErrorPublic, "description": "No such project in your team."},
    413: {
        "model": ErrorPublic,
        "description": "Larger than READINESS_MAX_UPLOAD_MB (file_too_large), or a table past READINESS_MAX_COLUMNS, "
        "_MAX_ROWS or _MAX_DECOMPRESSED_MB (too_many_columns, too_many_rows, too_large_decompressed), or a zip of "
        "images past READINESS_MAX_IMAGES, _MAX_IMAGE_MB, _MAX_IMAGE_PIXELS, _MAX_UNZIPPED_MB or _MAX_ZIP_RATIO "
        "(too_many_images, image_too_large, image_too_many_pixels, zip_too_large_unpacked, zip_ratio_too_high).",
    },
    415: {"model": ErrorPublic, "description": "Not multipart, or not a .csv/.parquet/.pq/.zip file."},
    422: {"model": ErrorPublic, "description": "The file cannot be used as given (its code says why)."},
}


def require_multipart(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            f"Upload the dataset as multipart/form-data with fields file, target and (optionally) positive; "
            f"got content type {content_type or 'none'!r}. With curl: -F file=@data.csv -F target=label."
        )


@router.post(
    "/projects/{project_id}/datasets",
    response_model=DatasetPublic,
    status_code=201,
    responses=UPLOAD_ERRORS,
)
def upload_dataset(
    project: ProjectDep,
    _multipart: Annotated[None, Depends(require_multipart)],
    file: Annotated[
        UploadFile, File(description="A CSV or Parquet file with a header row, or a zip of labelled images.")
    ],
    target: Annotated[
        str,
        Form(
            min_length=1,
            description="The label column (case-insensitive). For a zip with a folder per class, any name for "
            "the label (e.g. label); for a zip with a CSV of image paths, its label column.",
        ),
    ],
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    artifacts: ArtifactsDep,
    request: Request,
    response: Response,
    positive: Annotated[str | None, Form(description="The positive class of a binary target.")] = None,
) -> Dataset:
    """Upload a labelled table; the answer has its profile and the data-check findings."""
    dataset = take_in(
        session,
        engine,
        artifacts,
        file,
        project_id=project.id,
        target=target,
        positive=positive or None,
        max_bytes=settings.max_upload_bytes,
        limits=settings.table_limits,
        memory_bytes=settings.upload_memory_bytes,
        image_limits=settings.image_limits,
    )
    response.headers["Location"] = request.app.url_path_for("get_dataset", dataset_id=str(dataset.id))
    return dataset


@router.get("/projects/{project_id}/datasets", response_model=DatasetsPublic)
def list_datasets(project: ProjectDep, session: SessionDep, page: PageDep) -> DatasetsPublic:
    """The project's datasets, newest first."""
    mine = col(Dataset.project_id) == project.id
    count = session.scalar(select(func.count()).select_from(Dataset).where(mine)) or 0
    rows = session.scalars(
        select(Dataset)
        .where(mine)
        .order_by(col(Dataset.created_at).desc(), col(Dataset.id))
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return DatasetsPublic(data=[DatasetPublic.model_validate(row) for row in rows], count=count)


@router.get(
    "/datasets/{dataset_id}",
    response_model=DatasetPublic,
    responses={404: {"model": ErrorPublic, "description": "No such dataset in your team."}},
)
def get_dataset(dataset: DatasetDep) -> Dataset:
    """One dataset with its profile and check findings."""
    return dataset
