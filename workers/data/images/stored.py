"""An `ImageSet` as columns of the stored parse (`workers.data.parsed`): one row per image.

A Parquet column per pixel would make a 3,072-column file for 32×32 colour images, slow to write and read;
instead each image's pixels are one binary value (its uint8 bytes, channel-major), beside its name, size,
mode, format, perceptual hash and sha256. The geometry and the unreadable files go in the metadata.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from workers.data.images.image_set import ImageSet

PIXELS = "__image_pixels__"
NAME = "__image_name__"
WIDTH = "__image_width__"
HEIGHT = "__image_height__"
MODE = "__image_mode__"
FORMAT = "__image_format__"
PHASH = "__image_phash__"
SHA256 = "__image_sha256__"


def image_columns(images: ImageSet) -> tuple[dict[str, pa.Array], dict[str, Any]]:
    """The columns of one row per image, and the metadata that goes with them."""
    n = len(images)
    flat = np.ascontiguousarray(images.pixels).reshape(n, -1)
    width = flat.shape[1]
    # One fixed-size binary value per image, built over the pixels' own buffer: no per-image Python bytes.
    pixels = pa.FixedSizeBinaryArray.from_buffers(pa.binary(max(width, 1)), n, [None, pa.py_buffer(flat)])
    columns: dict[str, pa.Array] = {
        PIXELS: pixels,
        NAME: pa.array(images.names, type=pa.string()),
        WIDTH: pa.array(np.asarray(images.widths, dtype=np.int32)),
        HEIGHT: pa.array(np.asarray(images.heights, dtype=np.int32)),
        MODE: pa.array(images.modes, type=pa.string()),
        FORMAT: pa.array(images.formats, type=pa.string()),
        PHASH: pa.array(np.asarray(images.phash, dtype=np.uint64)),
        SHA256: pa.array(images.content_sha256, type=pa.string()),
    }
    meta = {
        "channels": images.geometry.channels,
        "size": images.geometry.size,
        "unreadable": list(images.unreadable),
    }
    return columns, meta


def image_set_of(table: pa.Table, meta: dict[str, Any]) -> ImageSet:
    """The `ImageSet` that `image_columns` wrote."""
    channels, size = int(meta["channels"]), int(meta["size"])
    n = table.num_rows
    column = table.column(PIXELS).combine_chunks()
    raw = np.frombuffer(column.buffers()[1], dtype=np.uint8)
    start = column.offset * channels * size * size
    pixels = raw[start : start + n * channels * size * size].reshape(n, channels, size, size).copy()
    return ImageSet(
        pixels=pixels,
        names=[str(v) for v in table.column(NAME).to_pylist()],
        widths=table.column(WIDTH).to_numpy().astype(np.int32),
        heights=table.column(HEIGHT).to_numpy().astype(np.int32),
        modes=[str(v) for v in table.column(MODE).to_pylist()],
        formats=[str(v) for v in table.column(FORMAT).to_pylist()],
        phash=table.column(PHASH).to_numpy().astype(np.uint64),
        content_sha256=[str(v) for v in table.column(SHA256).to_pylist()],
        unreadable=[dict(item) for item in meta.get("unreadable", [])],
    )
