"""A dataset uploaded through the dashboard's form, taken in exactly as the API's upload route takes it:
streamed into the content-addressed store under the size limit, read, profiled and checked, and kept only
if all of that succeeds (a refused upload leaves no row, and no file unless another dataset shares it)."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import UploadFile

from service.api.uploads import (
    clean_filename,
    forget_upload,
    inspect_dataset,
    lock_artifact,
    store_upload,
    stored_suffix,
)
from service.artifacts import ArtifactStore
from service.models import Dataset


def save_dataset(
    session: Session,
    engine: Engine,
    artifacts: ArtifactStore,
    file: UploadFile,
    *,
    project_id: uuid.UUID,
    target: str,
    positive: str | None,
    max_bytes: int,
) -> Dataset:
    """The new dataset row; every user mistake is a `ReadinessError` (most of them `DataError`)."""
    suffix = stored_suffix(file.filename)
    name, size = store_upload(artifacts, file.file, suffix=suffix, max_bytes=max_bytes)
    try:
        found = inspect_dataset(
            artifacts.path(name),
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=clean_filename(file.filename),
        )
        dataset = found.dataset_row(project_id=project_id, filename=file.filename, stored_as=name, size=size)
        lock_artifact(session, name)
        if not artifacts.exists(name):  # a refused upload of the same bytes removed it meanwhile
            store_upload(artifacts, file.file, suffix=suffix, max_bytes=max_bytes)
        session.add(dataset)
        session.commit()
    except BaseException:
        session.rollback()
        forget_upload(engine, artifacts, name)
        raise
    session.refresh(dataset)
    return dataset
