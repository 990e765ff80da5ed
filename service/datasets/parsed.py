"""The parsed copy of a dataset in the artifact store: the table read once, at intake, and loaded by every job.

A job loads this Parquet file (arrays, column profiles, label encoding) instead of parsing the upload again.
It is named after what it was read from and how: the upload's sha256, then a digest of the label column and
the positive class (`<sha256>.<digest>.parsed.parquet`), so the same bytes read with the same target share one
copy whatever the dataset row or the door. Starting with the upload's hash, it lives exactly as long as a
dataset row holds those bytes (see `service.orphans`), and is removed with a refused upload.

A dataset taken in before these copies existed has none: its first job parses the upload and keeps the copy,
so only that job pays.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from service.artifacts import ArtifactStore
from service.models import Dataset as DatasetRow
from workers.data.dataset import Dataset
from workers.data.labels import encode_target
from workers.data.loading import load_dataset
from workers.data.parsed import read_parsed, write_parsed
from workers.errors import UnreadableFile

logger = logging.getLogger(__name__)

PARSED_SUFFIX = ".parsed.parquet"
# The parsed copy, its preparations (prepared.py) and its row sketch (rows.py).
DERIVED_SUFFIXES = (PARSED_SUFFIX, ".prepared.pkl", ".rows.npy")


def reading_key(target: str, positive: str | None) -> str:
    """A short digest of how a file was read: its label column and positive class (either may be any text)."""
    return hashlib.sha256(json.dumps([target, positive]).encode()).hexdigest()[:16]


def parsed_name(sha256: str, target: str, positive: str | None) -> str:
    return f"{sha256}.{reading_key(target, positive)}{PARSED_SUFFIX}"


def derived_files(artifacts: ArtifactStore, sha256: str) -> list[Path]:
    """Every parsed copy and preparation made from the upload with this sha256 (they share its folder)."""
    folder = artifacts.path(sha256).parent
    if not folder.is_dir():
        return []
    return [path for suffix in DERIVED_SUFFIXES for path in folder.glob(f"{sha256}.*{suffix}")]


def write_artifact(artifacts: ArtifactStore, name: str, write: Callable[[Path], None]) -> None:
    """Write the artifact `name` through `write(temporary path)`, renamed into place only when complete (a
    crash never leaves half a file under the real name). An artifact that is there already is touched instead:
    its fresh time tells the orphan sweeper that a row is about to name it."""
    final = artifacts.path(name)
    if final.is_file():
        os.utime(final)
        return
    temporary = artifacts.root / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=temporary)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def as_resolved(dataset: Dataset, *, positive: str | None) -> Dataset:
    """`dataset` (read with `positive` as asked) as a read with its own resolved target and positive class
    would have it, which is how every job of its row asks: the label encoding's notes about the request
    ("positive class taken to be …", "--positive is ignored …") are about the asking, not the data."""
    if positive == dataset.positive_label:
        return dataset
    labels = pd.Series(np.asarray(dataset.classes, dtype=object)[dataset.y])
    said = set(encode_target(labels, target=dataset.target, positive=positive).notes)
    return dataclasses.replace(dataset, notes=[note for note in dataset.notes if note not in said])


def keep_parsed(artifacts: ArtifactStore, dataset: Dataset) -> str:
    """Store the parsed `dataset` (once per bytes, target and positive class); returns its artifact name.
    `dataset` must be as read with its own target and positive class (`as_resolved`): the copy stands for
    exactly that read."""
    name = parsed_name(dataset.sha256, dataset.target, dataset.positive_label)
    write_artifact(artifacts, name, lambda path: write_parsed(dataset, path))
    return name


def find_parsed(
    artifacts: ArtifactStore, sha256: str, target: str, positive: str | None, *, source: str
) -> Dataset | None:
    """The stored parse of these bytes read with this target and positive class, called `source` (how
    messages and the report name the file); None if there is none, or it cannot be read (it is parsed anew)."""
    path = artifacts.path(parsed_name(sha256, target, positive))
    if not path.is_file():
        return None
    try:
        dataset = read_parsed(path)
    except (UnreadableFile, OSError):
        logger.warning("the parsed copy %s cannot be read; the upload is parsed again", path.name)
        return None
    return dataclasses.replace(dataset, source=source)


@dataclass(frozen=True)
class StoredDataset:
    """What a job needs of a dataset row to load its data, read while the row's session is open."""

    sha256: str
    target: str
    positive_label: str | None
    stored_as: str
    filename: str
    size_bytes: int

    @classmethod
    def of(cls, row: DatasetRow) -> StoredDataset:
        return cls(
            sha256=row.sha256,
            target=row.target,
            positive_label=row.positive_label,
            stored_as=row.stored_as,
            filename=row.filename,
            size_bytes=row.size_bytes,
        )

    @property
    def data_key(self) -> str:
        """Equal for every row holding the same bytes read the same way: they share their parsed data."""
        return parsed_name(self.sha256, self.target, self.positive_label)


def load_stored(artifacts: ArtifactStore, stored: StoredDataset) -> Dataset:
    """The dataset's parsed data. One taken in before parsed copies were kept (or whose copy is gone) is parsed
    from its upload once, and the copy kept for the jobs after it. A `DataError` if the upload cannot be read."""
    found = find_parsed(
        artifacts, stored.sha256, stored.target, stored.positive_label, source=stored.filename
    )
    if found is not None:
        return found
    dataset = load_dataset(
        artifacts.path(stored.stored_as),
        target=stored.target,
        positive=stored.positive_label,
        max_bytes=max(stored.size_bytes, 1),  # taken in under the door's limit already
        name=stored.filename,
    )
    keep_parsed(artifacts, dataset)
    return dataset
