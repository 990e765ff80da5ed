"""A dataset's row sketch (`workers.data.row_sketch`), kept beside its parsed copy at intake and read when
its row is recorded, to find the earlier dataset whose test budget it shares (`service.ledger.pools`).

Written where the table is in memory (the pooled inspecting process, or the CLI's), so only a name crosses
back; `<sha256>.<reading key>.rows.npy`, one of the bytes' derived files (removed with them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.artifacts import ArtifactStore
from service.datasets.parsed import reading_key, write_artifact
from service.models import Dataset as DatasetRow
from workers.data.dataset import Dataset
from workers.data.row_sketch import RowSketch, row_hashes, sketch_rows

ROWS_SUFFIX = ".rows.npy"


def rows_name(sha256: str, target: str, positive: str | None) -> str:
    return f"{sha256}.{reading_key(target, positive)}{ROWS_SUFFIX}"


def keep_row_sketch(artifacts: ArtifactStore, dataset: Dataset) -> None:
    """Hash the rows of a parsed `dataset` (as read with its own target and positive class) and keep the sketch."""
    labels = np.asarray(dataset.classes, dtype=object)[dataset.y]
    sketch = sketch_rows(row_hashes(dataset.features, labels))
    stored = np.asarray([sketch.distinct_rows, *sketch.hashes], dtype=np.int64)

    def write(path: Path) -> None:
        with path.open("wb") as handle:  # through a handle: np.save given a name would add ".npy" to it
            np.save(handle, stored)

    write_artifact(artifacts, rows_name(dataset.sha256, dataset.target, dataset.positive_label), write)


def find_row_sketch(artifacts: ArtifactStore, row: DatasetRow) -> RowSketch | None:
    """The sketch kept for this dataset row's bytes and reading; None when none was kept (an older intake)."""
    path = artifacts.path(rows_name(row.sha256, row.target, row.positive_label))
    if not path.is_file():
        return None
    stored = np.load(path)
    return RowSketch(distinct_rows=int(stored[0]), hashes=tuple(int(h) for h in stored[1:]))
