"""Taking in an uploaded table: stream it into the artifact store, read it, profile and check it.

The stored file is content-addressed, so two datasets with the same bytes share one file. A refused
upload deletes its file unless a dataset row already points at it; an advisory lock on the file's
name keeps that check and a concurrent upload of the same bytes from stepping on each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePath
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Engine, select
from sqlmodel import Session

from service.artifacts import ArtifactStore, lock_artifact
from service.database.engine import session_scope
from service.models import Dataset
from service.models.text import has_nul
from service.settings import Settings
from workers.data.limits import TableLimits
from workers.data.loading import load_dataset
from workers.errors import ReadinessError, UnreadableFile
from workers.preparation import examine
from workers.report.json_values import json_ready
from workers.split import DEFAULT_SEED

UPLOAD_CHUNK_BYTES = 1024 * 1024
ALLOWED_SUFFIXES = {".csv": ".csv", ".parquet": ".parquet", ".pq": ".parquet"}
MAX_FILENAME_CHARS = 300


class UnsupportedFileType(ReadinessError):
    """Upload a .csv, .parquet or .pq file."""

    code = "unsupported_file_type"
    http_status = 415


@dataclass(frozen=True)
class Inspection:
    """What the upload answer shows about a readable dataset."""

    sha256: str
    target: str
    positive_label: str | None
    rows: int
    columns: int
    profile: dict[str, Any]
    checks: list[dict[str, Any]]

    def dataset_row(self, *, project_id: Any, filename: str | None, stored_as: str, size: int) -> Dataset:
        """The dataset row for this inspected file, stored in the artifact store as `stored_as`."""
        return Dataset(
            project_id=project_id,
            filename=clean_filename(filename),
            sha256=self.sha256,
            stored_as=stored_as,
            size_bytes=size,
            target=self.target,
            positive_label=self.positive_label,
            rows=self.rows,
            columns=self.columns,
            profile=self.profile,
            checks=self.checks,
        )


def stored_suffix(filename: str | None) -> str:
    """The suffix the file is stored under, from its name; anything but CSV/Parquet is refused."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        shown = f"{filename!r} has" if filename else "The upload has no file name, so"
        raise UnsupportedFileType(
            f"{shown} an unsupported type; upload a CSV (.csv) or Parquet (.parquet, .pq) file.",
            field="file",
        )
    return ALLOWED_SUFFIXES[suffix]


def clean_filename(filename: str | None) -> str:
    return PurePath(filename or "upload").name[-MAX_FILENAME_CHARS:]


def store_upload(artifacts: ArtifactStore, file: BinaryIO, *, suffix: str, max_bytes: int) -> tuple[str, int]:
    """Stream the file into the store in 1 MiB chunks; over `max_bytes` → `FileTooLarge`, nothing kept."""
    file.seek(0)
    chunks = iter(partial(file.read, UPLOAD_CHUNK_BYTES), b"")
    return artifacts.put_chunks(chunks, suffix=suffix, max_bytes=max_bytes)


def table_limits(limits: TableLimits | None) -> TableLimits:
    """The limits given, else the settings' (READINESS_MAX_COLUMNS, _MAX_ROWS, _MAX_DECOMPRESSED_MB)."""
    return limits if limits is not None else Settings().table_limits


def inspect_dataset(
    path: Path,
    *,
    target: str,
    positive: str | None,
    max_bytes: int,
    name: str | None = None,
    limits: TableLimits | None = None,
) -> Inspection:
    """Load the file (a `DataError` for every user mistake), then run the checks on the default split.
    `name` is the file's name as the user knows it; messages never show the store's hashed name. A table
    past `limits` (default: the settings') is refused from its metadata, before it is parsed. Every door
    comes here: the API's and the dashboard's uploads, batches, `readiness assess` and `readiness grid`."""
    dataset = load_dataset(
        path, target=target, positive=positive, max_bytes=max_bytes, name=name, limits=table_limits(limits)
    )
    # Not `prepare`: an upload whose checks leave no column is taken in; its assessment fails with why.
    prepared = examine(dataset, seed=DEFAULT_SEED)
    profile = {
        "classes": dataset.classes,
        "class_counts": dataset.class_counts,
        "positive_rate": dataset.positive_rate,
        "column_profiles": [p.to_dict() for p in dataset.columns.values()],
        "excluded_columns": [{"name": name, "reason": why} for name, why in prepared.excluded.items()],
        "notes": dataset.notes,
        "split": prepared.split.to_dict(),  # the checks ran on this split; an assessment with this seed reuses it
    }
    profile, checks = json_ready(profile), json_ready(prepared.findings_dicts())
    if has_nul(profile) or has_nul(checks):
        # Column names and labels are stored as JSON, which Postgres refuses with a NUL in it.
        raise UnreadableFile(
            f"{path.name} has the NUL character (\\x00) in a column name or a value; remove it and upload again.",
            field="file",
        )
    return Inspection(
        sha256=dataset.sha256,
        target=dataset.target,
        positive_label=dataset.positive_label,
        rows=dataset.n_rows,
        columns=len(dataset.columns),
        profile=profile,
        checks=checks,
    )


def forget_upload(engine: Engine, artifacts: ArtifactStore, name: str) -> None:
    """Delete a refused upload's file unless a dataset row already references the same bytes."""
    with session_scope(engine) as session:
        lock_artifact(session, name)
        if session.scalar(select(Dataset.id).where(Dataset.stored_as == name).limit(1)) is None:
            artifacts.path(name).unlink(missing_ok=True)


class UploadLike(Protocol):
    """An uploaded file as the web frameworks hand it over (starlette's UploadFile)."""

    filename: str | None
    file: BinaryIO


def save_dataset(
    session: Session,
    engine: Engine,
    artifacts: ArtifactStore,
    file: UploadLike,
    *,
    project_id: uuid.UUID,
    target: str,
    positive: str | None,
    max_bytes: int,
    limits: TableLimits | None = None,
) -> Dataset:
    """Take in an uploaded file as a new dataset of the project: streamed into the content-addressed store
    under the size limit, read, profiled and checked, and committed only if all of that succeeds (a refused
    upload leaves no row, and no file unless another dataset shares it). Every user mistake is a
    `ReadinessError` (most of them `DataError`). The API route and the dashboard's form both come here."""
    suffix = stored_suffix(file.filename)
    name, size = store_upload(artifacts, file.file, suffix=suffix, max_bytes=max_bytes)
    try:
        found = inspect_dataset(
            artifacts.path(name),
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=clean_filename(file.filename),
            limits=limits,
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
