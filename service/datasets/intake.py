"""Taking in a table, whatever the door: stream it into the artifact store, read it, profile and check it,
keep what was read, and record the dataset row, or nothing at all.

Every door takes the same steps: `store_upload` (the bytes, content-addressed, under the size limit),
`inspect_upload` (parse once, profile, split and check, and keep the parsed copy and its preparation in the
store for the jobs — in a pooled, memory-limited process for the server's doors, see `service.datasets.apart`), `record_dataset` (the row, under the file's lock), and
`forget_upload` (or `forget_derived`) when anything fails. `take_in` is all of them for an uploaded file
(the API and the dashboard); `readiness assess` and `readiness grid` inspect first, before the database
starts (`service.datasets.local`); a batch inspects and keeps every item before it records any in one
transaction (`service.batches`). Jobs load what was kept (`parsed.load_stored`, `prepared.stored_preparation`).

The stored file is content-addressed, so two datasets with the same bytes share one file. A refused
upload deletes its file (and what was parsed from it) unless a dataset row already points at the same
bytes; an advisory lock on the file's name keeps that check and a concurrent upload of the same bytes from
stepping on each other.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePath
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Engine, select
from sqlmodel import Session

from service.artifacts import ArtifactStore, lock_artifact
from service.database.engine import session_scope
from service.datasets.apart import POOL, NeedsMoreMemory
from service.datasets.parsed import as_resolved, derived_files, find_parsed, keep_parsed
from service.datasets.prepared import examined, keep_prepared
from service.datasets.rows import find_row_sketch, keep_row_sketch
from service.ledger.pools import join_pool
from service.models import Dataset
from service.models.text import has_nul
from service.settings import Settings
from workers.data.dataset import Dataset as ParsedDataset
from workers.data.images.limits import ImageLimits
from workers.data.limits import BYTES_PER_CELL, NO_LIMITS, TableLimits
from workers.data.loading import file_sha256, load_dataset
from workers.errors import FileTooLarge, ReadinessError, UnreadableFile
from workers.preparation import Prepared
from workers.report.json_values import json_ready
from workers.split import DEFAULT_SEED

UPLOAD_CHUNK_BYTES = 1024 * 1024
# A tab-separated or plain-text table is read by its content like a CSV (the delimiter is sniffed; a Parquet
# file under any of these names is read as Parquet), so it is stored as one.
ALLOWED_SUFFIXES = {
    ".csv": ".csv",
    ".tsv": ".csv",
    ".tab": ".csv",
    ".txt": ".csv",
    ".parquet": ".parquet",
    ".pq": ".parquet",
    ".zip": ".zip",  # labelled images (workers.data.images.loading)
}
MAX_FILENAME_CHARS = 300


class UnsupportedFileType(ReadinessError):
    """Upload a .csv, .tsv, .txt, .parquet, .pq or .zip file."""

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
    # What the inspection read and made: kept in the store when the row is recorded, so no job reads it again.
    # None when the pooled process that inspected the file kept them itself (only this summary crosses back).
    data: ParsedDataset | None = field(default=None, repr=False, compare=False)
    prepared: Prepared | None = field(default=None, repr=False, compare=False)

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
            f"{shown} an unsupported type; upload a delimited text table (.csv, .tsv, .tab, .txt), a Parquet file "
            "(.parquet, .pq) or a zip of labelled images (.zip).",
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


def zip_limits(limits: ImageLimits | None) -> ImageLimits:
    """The limits given, else the settings' (READINESS_MAX_IMAGES, _MAX_IMAGE_MB, _MAX_ZIP_RATIO, …)."""
    return limits if limits is not None else Settings().image_limits


def _stored_parse(
    artifacts: ArtifactStore,
    path: Path,
    *,
    target: str,
    positive: str | None,
    max_bytes: int,
    name: str,
    limits: TableLimits,
    sha256: str | None,
) -> ParsedDataset | None:
    """The stored parse of these bytes with this target and positive class, if one was kept and the table is
    within this door's limits; None otherwise (then the file is parsed, and the loader refuses it as always)."""
    size = path.stat().st_size if path.is_file() else 0
    if not 0 < size <= max_bytes:
        return None
    found = find_parsed(artifacts, sha256 or file_sha256(path), target, positive, source=name)
    if found is None or found.file_bytes != size:
        return None
    if limits != NO_LIMITS:
        columns = len(found.columns) + 1  # and the target
        try:
            limits.check(
                name,
                columns=columns,
                rows=found.n_rows,
                decompressed_bytes=found.n_rows * columns * BYTES_PER_CELL,
                rows_exact=True,
            )
        except FileTooLarge:
            return None
    return found


def inspect_dataset(
    path: Path,
    *,
    target: str,
    positive: str | None,
    max_bytes: int,
    name: str | None = None,
    limits: TableLimits | None = None,
    artifacts: ArtifactStore | None = None,
    sha256: str | None = None,
    image_limits: ImageLimits | None = None,
) -> Inspection:
    """Load the file (a `DataError` for every user mistake), then run the checks on the default split.
    `name` is the file's name as the user knows it; messages never show the store's hashed name. A table
    past `limits` (default: the settings') is refused from its metadata, before it is parsed. Every door
    comes here: the API's and the dashboard's uploads, batches, `readiness assess` and `readiness grid`.
    With `artifacts`, bytes read before with the same target and positive class are not parsed, split or
    checked again: their stored parse and preparation are read instead (`sha256`: the file's, when known)."""
    name = name or path.name
    limits = table_limits(limits)
    dataset = None
    if artifacts is not None:
        # Hashed once: the lookup of a stored parse and, when there is none, the loader both need the digest
        # (a file the loader will refuse for its size is not read for it).
        if sha256 is None and path.is_file() and 0 < path.stat().st_size <= max_bytes:
            sha256 = file_sha256(path)
        dataset = _stored_parse(
            artifacts,
            path,
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=name,
            limits=limits,
            sha256=sha256,
        )
    if dataset is None:
        dataset = load_dataset(
            path,
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=name,
            limits=limits,
            sha256=sha256,
            image_limits=zip_limits(image_limits),
        )
    data = as_resolved(dataset, positive=positive)  # what is kept for the jobs, which ask by the row's labels
    # Not `prepare`: an upload whose checks leave no column is taken in; its assessment fails with why.
    prepared = examined(artifacts, data, seed=DEFAULT_SEED)
    profile = {
        "classes": dataset.classes,
        "class_counts": dataset.class_counts,
        "positive_rate": dataset.positive_rate,
        "column_profiles": [p.to_dict() for p in dataset.columns.values()],
        "excluded_columns": [{"name": name, "reason": why} for name, why in prepared.excluded.items()],
        "notes": dataset.notes,
        "modality": dataset.modality,  # "images" for a zip of images: the journal's doors choose model families by it
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
        data=data,
        prepared=prepared,
    )


def keep_inspected(artifacts: ArtifactStore, found: Inspection) -> None:
    """Keep what the inspection read and made (the parsed table, its default preparation) for every job of
    the dataset. Done before the row that needs them commits; a refused intake removes them again. An
    inspection made apart kept them already; if a refused upload of the same bytes removed them meanwhile,
    the dataset's first job parses and prepares it again and keeps them (as for a dataset older than them)."""
    if found.data is None or found.prepared is None:
        return
    keep_parsed(artifacts, found.data)
    keep_prepared(artifacts, found.data, found.prepared)
    keep_row_sketch(artifacts, found.data)  # to find the earlier dataset whose test budget it shares


def _inspect_and_keep(path: Path, root: Path, **how: Any) -> Inspection:
    """In a pooled process: inspect the file and keep what was read in the store at `root`; the summary only
    goes back (the arrays would cost the request's process their memory and a copy through the pipe)."""
    artifacts = ArtifactStore(root)
    found = inspect_dataset(path, artifacts=artifacts, **how)
    keep_inspected(artifacts, found)
    return dataclasses.replace(found, data=None, prepared=None)


def inspect_upload(
    path: Path,
    *,
    target: str,
    positive: str | None,
    max_bytes: int,
    artifacts: ArtifactStore,
    name: str | None = None,
    limits: TableLimits | None = None,
    sha256: str | None = None,
    apart: bool = True,
    memory_bytes: int | None = None,
    image_limits: ImageLimits | None = None,
) -> Inspection:
    """`inspect_dataset`, and what it read kept in the store for the jobs: the one inspection of every door.
    `apart` (the server's doors): in a pooled process whose private memory is capped at `memory_bytes`
    (default: the settings', READINESS_UPLOAD_MEMORY_MULTIPLE); the request's thread waits without holding
    the GIL, and a table that needs more is refused with `NeedsMoreMemory`. Not apart (the CLI, alone in
    its process): here, with what was read handed back and kept when the row is recorded."""
    name = name or path.name
    how: dict[str, Any] = dict(
        target=target,
        positive=positive,
        max_bytes=max_bytes,
        name=name,
        limits=table_limits(limits),
        sha256=sha256,
        image_limits=zip_limits(image_limits),
    )
    if not apart:
        return inspect_dataset(path, artifacts=artifacts, **how)
    limit = memory_bytes if memory_bytes is not None else Settings().upload_memory_bytes
    try:
        return POOL.run(_inspect_and_keep, path, artifacts.root, limit_bytes=limit, **how)
    except NeedsMoreMemory:
        raise NeedsMoreMemory(
            f"{name} needs more memory to read and check than an upload may use on this server "
            f"({limit / 2**20:,.0f} MB). Sample the rows or drop columns, or raise the limit with "
            "READINESS_UPLOAD_MEMORY_MULTIPLE (times READINESS_MAX_DECOMPRESSED_MB, over a 512 MB base).",
            field="file",
        ) from None


def same_dataset(session: Session, row: Dataset) -> Dataset | None:
    """The project's dataset of the same bytes, target and positive class as `row`, if there is one: they are
    one dataset (as `readiness assess` and batches have it), so its splits, and its test budget, carry over."""
    return session.scalar(
        select(Dataset)
        .where(
            Dataset.project_id == row.project_id,
            Dataset.sha256 == row.sha256,
            Dataset.target == row.target,
            Dataset.positive_label == row.positive_label,
        )
        .order_by(Dataset.created_at)
        .limit(1)
    )


def record_dataset(
    session: Session,
    artifacts: ArtifactStore,
    row: Dataset,
    *,
    restore: Callable[[], object],
    found: Inspection | None = None,
    reuse: bool = False,
) -> Dataset:
    """Add the dataset `row` to `session` (flushed, not committed), holding the locks on its file and its
    bytes' derived files to the end of the transaction. The upload is put back (`restore`) if a refused upload
    of the same bytes removed it meanwhile, and what `found` read is kept (a batch keeps it while it checks
    its items). With `reuse`, the project's dataset of the same bytes, target and positive class is returned
    instead, when there is one, and `row` is not added. A new row joins its test-budget pool here
    (`service.ledger.pools.join_pool`: the pool of an earlier dataset whose rows it largely repeats, by the
    row sketch kept at inspection, else a new one)."""
    lock_artifact(session, row.stored_as)
    lock_artifact(session, row.sha256)  # what `forget_derived` holds
    if not artifacts.exists(row.stored_as):  # a refused upload of the same bytes removed it meanwhile
        restore()
    if found is not None:
        keep_inspected(artifacts, found)
    if reuse and (existing := same_dataset(session, row)) is not None:
        return existing
    join_pool(session, row, find_row_sketch(artifacts, row))
    return row


def forget_derived(engine: Engine, artifacts: ArtifactStore, sha256: str) -> None:
    """Delete what was parsed and prepared from the bytes with this sha256, unless a dataset row holds them."""
    with session_scope(engine) as session:
        lock_artifact(session, sha256)
        if session.scalar(select(Dataset.id).where(Dataset.sha256 == sha256).limit(1)) is None:
            for path in derived_files(artifacts, sha256):
                path.unlink(missing_ok=True)


def forget_upload(engine: Engine, artifacts: ArtifactStore, name: str) -> None:
    """Delete a refused upload's file unless a dataset row already references the same bytes, and what was
    parsed from those bytes unless a dataset row holds them."""
    with session_scope(engine) as session:
        lock_artifact(session, name)
        if session.scalar(select(Dataset.id).where(Dataset.stored_as == name).limit(1)) is None:
            artifacts.path(name).unlink(missing_ok=True)
    forget_derived(engine, artifacts, name.split(".", 1)[0])


class UploadLike(Protocol):
    """An uploaded file as the web frameworks hand it over (starlette's UploadFile)."""

    filename: str | None
    file: BinaryIO


def take_in(
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
    memory_bytes: int | None = None,
    image_limits: ImageLimits | None = None,
) -> Dataset:
    """Take in an uploaded file as a new dataset of the project: streamed into the content-addressed store
    under the size limit, read, profiled and checked, and committed only if all of that succeeds (a refused
    upload leaves no row, and no file unless another dataset shares it). Every user mistake is a
    `ReadinessError` (most of them `DataError`). The API route and the dashboard's form both come here."""
    suffix = stored_suffix(file.filename)
    name, size = store_upload(artifacts, file.file, suffix=suffix, max_bytes=max_bytes)
    try:
        found = inspect_upload(  # in a pooled process: the request's thread waits without the GIL
            artifacts.path(name),
            target=target,
            positive=positive,
            max_bytes=max_bytes,
            name=clean_filename(file.filename),
            limits=limits,
            artifacts=artifacts,
            sha256=name.removesuffix(suffix),
            memory_bytes=memory_bytes,
            image_limits=image_limits,
        )
        dataset = record_dataset(
            session,
            artifacts,
            found.dataset_row(project_id=project_id, filename=file.filename, stored_as=name, size=size),
            restore=lambda: store_upload(artifacts, file.file, suffix=suffix, max_bytes=max_bytes),
            found=found,
        )
        session.commit()
    except BaseException:
        session.rollback()
        forget_upload(engine, artifacts, name)
        raise
    session.refresh(dataset)
    return dataset
