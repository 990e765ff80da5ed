"""Where a batch's files come from: beside the batch file on disk (the CLI), or uploaded with it (the API).

Either way a dataset file reaches the content-addressed store through `store_upload` under the upload
limit, what was read from it is kept there for the jobs (`keep`), and `forget` removes what this batch stored
and kept unless a dataset row already points at the same bytes, so a refused batch leaves no file behind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path, PurePath
from typing import BinaryIO

from fastapi import UploadFile
from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.datasets.intake import (
    Inspection,
    clean_filename,
    forget_derived,
    forget_upload,
    keep_inspected,
    store_upload,
    stored_suffix,
)
from workers.errors import FileMissing, FileTooLarge, UnreadableFile

MAX_ANSWERS_BYTES = 1024 * 1024  # a questionnaire is a page of YAML


class BatchFiles(ABC):
    """The files a batch names, by the name the batch file uses."""

    def __init__(self, artifacts: ArtifactStore, *, max_bytes: int) -> None:
        self.artifacts = artifacts
        self.max_bytes = max_bytes
        self._stored: dict[str, tuple[str, int]] = {}  # name in the batch → (name in the store, size)
        self.repeated: list[str] = []  # two files given under one name: which one a dataset means is unclear
        self._kept: set[str] = set()  # the sha256 of every file whose parsed data this batch kept

    @abstractmethod
    def _open(self, name: str) -> AbstractContextManager[BinaryIO]:
        """The file's bytes; `FileMissing` when there is no such file."""

    @abstractmethod
    def path(self, name: str) -> Path:
        """A path to read the dataset from while the batch is checked."""

    def read_text(self, name: str) -> str:
        """A small text file (questionnaire answers)."""
        with self._open(name) as handle:
            handle.seek(0)
            data = handle.read(MAX_ANSWERS_BYTES + 1)
        if len(data) > MAX_ANSWERS_BYTES:
            raise FileTooLarge(
                f"{name} is larger than {MAX_ANSWERS_BYTES // 1024} KiB; answers fit in far less."
            )
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(f"{name} is not UTF-8 text.") from None

    def store(self, name: str) -> tuple[str, int]:
        """Stream the file into the store once: (name in the store, size). Over the limit → `FileTooLarge`."""
        if name not in self._stored:
            with self._open(name) as handle:
                self._stored[name] = store_upload(
                    self.artifacts, handle, suffix=stored_suffix(name), max_bytes=self.max_bytes
                )
        return self._stored[name]

    def restore(self, name: str) -> None:
        """Put the bytes back if a refused upload of the same content removed them meanwhile."""
        stored_as, _ = self._stored[name]
        if not self.artifacts.exists(stored_as):
            with self._open(name) as handle:
                store_upload(self.artifacts, handle, suffix=stored_suffix(name), max_bytes=self.max_bytes)

    def keep(self, found: Inspection) -> None:
        """Keep what was read from a dataset file (its parsed data, its default preparation) for the jobs."""
        keep_inspected(self.artifacts, found)
        self._kept.add(found.sha256)

    def forget(self, engine: Engine) -> None:
        """Remove what this batch stored and kept, unless a dataset row references the same bytes."""
        for stored_as, _ in self._stored.values():
            forget_upload(engine, self.artifacts, stored_as)
            self._kept.discard(stored_as.split(".", 1)[0])
        for sha256 in self._kept:
            forget_derived(engine, self.artifacts, sha256)
        self._stored.clear()
        self._kept.clear()

    def unused(self, named: set[str]) -> list[str]:
        """Files given with the batch that no item names (a typo, most likely)."""
        return []


class LocalFiles(BatchFiles):
    """Files on disk; relative names are relative to the batch file's directory."""

    def __init__(self, directory: Path, artifacts: ArtifactStore, *, max_bytes: int) -> None:
        super().__init__(artifacts, max_bytes=max_bytes)
        self.directory = directory

    def path(self, name: str) -> Path:
        path = self.directory / Path(name).expanduser()
        if not path.is_file():
            raise FileMissing(f"No such file: {path}" + (" (a directory)" if path.is_dir() else ""))
        return path

    @contextmanager
    def _open(self, name: str) -> Iterator[BinaryIO]:
        try:
            with self.path(name).open("rb") as handle:
                yield handle
        except PermissionError as error:
            raise UnreadableFile(f"Cannot read {name}: {error.strerror}.") from None


class UploadedFiles(BatchFiles):
    """The files uploaded beside the batch file, by their file names."""

    def __init__(self, uploads: Sequence[UploadFile], artifacts: ArtifactStore, *, max_bytes: int) -> None:
        super().__init__(artifacts, max_bytes=max_bytes)
        self.uploads: dict[str, UploadFile] = {}
        for upload in uploads:
            name = clean_filename(upload.filename)
            if name in self.uploads:
                self.repeated.append(name)
            self.uploads[name] = upload

    def _open(self, name: str) -> AbstractContextManager[BinaryIO]:
        # By file name alone: a batch file written for the CLI (`file: data/churn.csv`) works uploaded too.
        upload = self.uploads.get(PurePath(name).name)
        if upload is None:
            given = ", ".join(sorted(self.uploads)) or "none"
            raise FileMissing(
                f"No uploaded file is named {PurePath(name).name!r} (uploaded: {given}); upload it in the "
                f"`files` field (curl: -F files=@{PurePath(name).name})."
            )
        return nullcontext(upload.file)  # the upload's spooled file stays open for the request

    def path(self, name: str) -> Path:
        stored_as, _ = self.store(name)
        return self.artifacts.path(stored_as)

    def unused(self, named: set[str]) -> list[str]:
        return sorted(set(self.uploads) - {PurePath(name).name for name in named})
