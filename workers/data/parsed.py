"""A parsed `Dataset` on disk: the table as Parquet, everything else the loader worked out in its metadata.
An image dataset is written as one row per image instead (`workers.data.images.stored`): its pixels in one binary
column, what the checks need beside them, and its unreadable files in the metadata.

A job that reads this file gets the very `Dataset` the upload's parse made (arrays, column profiles, label
encoding, the uploaded file's sha256 and size) without parsing the CSV or profiling a column again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from workers.data.dataset import ColumnProfile, Dataset
from workers.data.images.stored import image_columns, image_set_of
from workers.errors import UnreadableFile

METADATA_KEY = b"readiness.dataset"
# 2: decimal commas in ;- and tab-separated files are read as numbers, so a parse kept by version 1 is stale.
FORMAT_VERSION = 2
LABEL_COLUMN = "__readiness_label__"


def _label_column(features: list[str]) -> str:
    """A column name for the labels that no feature uses (a table may name a column anything)."""
    name = LABEL_COLUMN
    while name in features:
        name += "_"
    return name


def write_parsed(dataset: Dataset, path: Path) -> None:
    """Write `dataset` to `path` (Parquet): the features and labels as columns, the rest as metadata."""
    features = [str(name) for name in dataset.features.columns]
    label = _label_column(features)
    if dataset.images is not None:  # one row per image: no Parquet column per pixel
        columns, image_meta = image_columns(dataset.images)
        table = pa.table(columns)
    else:
        table = pa.Table.from_pandas(dataset.features, preserve_index=False)
    table = table.append_column(label, pa.array(np.asarray(dataset.y, dtype=np.int64)))
    meta: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "label_column": label,
        "target": dataset.target,
        "positive_label": dataset.positive_label,
        "classes": list(dataset.classes),
        "sha256": dataset.sha256,
        "source": dataset.source,
        "file_bytes": dataset.file_bytes,
        # Every field as it is (ColumnProfile.to_dict rounds): a read-back profile equals the original.
        "profiles": [asdict(profile) for profile in dataset.columns.values()],
        "notes": list(dataset.notes),
    }
    if dataset.images is not None:
        meta["images"] = image_meta
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[METADATA_KEY] = json.dumps(meta).encode()
    # Written aside and renamed into place: a job never reads a half-written file (rename is atomic).
    partial = path.with_name(path.name + ".partial")
    pq.write_table(table.replace_schema_metadata(schema_meta), partial)
    partial.replace(path)


def read_parsed(path: Path) -> Dataset:
    """The `Dataset` that `write_parsed` wrote to `path`; `UnreadableFile` if it is not such a file."""
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many unrelated types for a missing or corrupt file
        raise UnreadableFile(f"The parsed copy of a dataset could not be read ({path.name}).") from exc
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise UnreadableFile(f"{path.name} is a Parquet file, but not a dataset written by Readiness.")
    meta = json.loads(raw)
    if meta.get("version") != FORMAT_VERSION:
        raise UnreadableFile(f"{path.name} was written in a format this version cannot read; parse it again.")
    label = meta["label_column"]
    y = table.column(label).to_numpy().astype(np.int64)
    images = image_set_of(table.drop_columns([label]), meta["images"]) if "images" in meta else None
    features = images.features_frame() if images is not None else table.drop_columns([label]).to_pandas()
    return Dataset(
        features=features,
        y=y,
        classes=list(meta["classes"]),
        target=meta["target"],
        sha256=meta["sha256"],
        columns={profile["name"]: ColumnProfile(**profile) for profile in meta["profiles"]},
        source=meta["source"],
        positive_label=meta["positive_label"],
        file_bytes=int(meta["file_bytes"]),
        notes=list(meta["notes"]),
        images=images,
    )
