"""`ImageSet`: the images of an image dataset, decoded once and resized to the size the models see.

An image dataset is a `workers.data.dataset.Dataset` like a table's, so the split, the test budget, the
statistics and the verdict treat it as one: its `features` frame holds one column per pixel (channel-major,
named by `pixel_columns`), and `images` holds what the image checks and reports need besides the pixels.
The models find the geometry again from the column names (`geometry_of`), so a frame of pixel columns is
all a model, a learning-curve point or a grid point needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Pixels a side every image is resized to for the models: small enough to train a CNN on two CPU cores.
MODEL_SIZE = 32
PIXEL_PREFIX = "px"
_PIXEL_NAME = re.compile(rf"^{PIXEL_PREFIX}_(\d+)_(\d+)_(\d+)$")


@dataclass(frozen=True)
class Geometry:
    """The shape of one image as the models see it: `channels` (1 grey, 3 colour) × `size` × `size`."""

    channels: int
    size: int

    @property
    def n_pixels(self) -> int:
        return self.channels * self.size * self.size


def pixel_columns(geometry: Geometry) -> list[str]:
    """The features frame's column names, channel-major: px_{channel}_{row}_{column}."""
    return [
        f"{PIXEL_PREFIX}_{c}_{y}_{x}"
        for c in range(geometry.channels)
        for y in range(geometry.size)
        for x in range(geometry.size)
    ]


def geometry_of(columns: list[str] | pd.Index) -> Geometry | None:
    """The geometry of a frame whose columns are exactly `pixel_columns(g)`, in order; None for any other
    frame (a table's). Models and preprocessors use it to tell pixels from table columns."""
    names = list(columns)
    if not names:
        return None
    last = _PIXEL_NAME.match(str(names[-1]))
    if last is None:
        return None
    channels, size = int(last.group(1)) + 1, int(last.group(2)) + 1
    geometry = Geometry(channels=channels, size=size)
    if size != int(last.group(3)) + 1 or len(names) != geometry.n_pixels:
        return None
    if names[0] != f"{PIXEL_PREFIX}_0_0_0":
        return None
    return geometry


@dataclass
class ImageSet:
    """The readable images of an upload, in the dataset's row order, and the files left out.

    `pixels[i]` is image i resized to `MODEL_SIZE` (uint8, channels × size × size; greyscale when every
    image is). The rest is for the checks and the report: where each image came from, its size and mode as
    read, its perceptual hash (imagehash's 64-bit pHash, for near duplicates) and the SHA-256 of its bytes
    (exact duplicates).
    """

    pixels: np.ndarray  # uint8 (n, channels, size, size)
    names: list[str]  # each image's path inside the upload, e.g. "cats/001.jpg"
    widths: np.ndarray  # int32: the image's own width, before resizing
    heights: np.ndarray  # int32
    modes: list[str]  # Pillow's mode as read: "RGB", "L", "RGBA", "P", ...
    formats: list[str]  # "JPEG", "PNG", "WEBP"
    phash: np.ndarray  # uint64
    content_sha256: list[str]  # hex digest of each file's bytes
    unreadable: list[dict[str, str]] = field(default_factory=list)  # {"name", "reason"}: files left out

    @property
    def geometry(self) -> Geometry:
        return Geometry(channels=int(self.pixels.shape[1]), size=int(self.pixels.shape[2]))

    def __len__(self) -> int:
        return int(self.pixels.shape[0])

    def features_frame(self) -> pd.DataFrame:
        """One uint8 column per pixel (a single block: no copy of the pixels)."""
        flat = self.pixels.reshape(len(self), -1)
        return pd.DataFrame(flat, columns=pixel_columns(self.geometry), copy=False)
