"""Thumbnails for the report: an image's model pixels as a PNG `data:` URI.

The report is one self-contained page (no file beside it, nothing fetched), so every image it shows is
inlined. It shows the pixels the models saw — `ImageSet.pixels`, MODEL_SIZE a side — rather than the
original file: that is what the models were right or wrong about, and at 32×32 a PNG is a few hundred
bytes, so a grid of a hundred of them keeps the page small. The page scales them up with
`image-rendering: pixelated`, so a reader sees the real pixels, not a blur.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

DATA_URI_PREFIX = "data:image/png;base64,"


def png_bytes(pixels: np.ndarray) -> bytes:
    """One image's pixels, uint8 (channels, size, size) with 1 (grey) or 3 (RGB) channels, as PNG."""
    if pixels.ndim != 3 or pixels.shape[0] not in (1, 3):
        raise ValueError(f"expected (1 or 3, height, width) pixels, however the shape is {pixels.shape}")
    array = np.ascontiguousarray(pixels.astype(np.uint8, copy=False))
    image = (
        Image.fromarray(array[0], "L")
        if array.shape[0] == 1
        else Image.fromarray(array.transpose(1, 2, 0), "RGB")
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_data_uri(pixels: np.ndarray) -> str:
    """`png_bytes` as a `data:image/png;base64,…` URI, for an `<img src>` that needs no file and no network."""
    return DATA_URI_PREFIX + base64.b64encode(png_bytes(pixels)).decode("ascii")
