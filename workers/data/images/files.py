"""Image files as model rows: what an exported image model (`workers.export`) scores new images from.

Each file is decoded and resized exactly as an upload's images were (`decoding.decode_image`), then put in
the model's geometry: a colour image is turned grey (Pillow's ITU-R 601-2 luma) for a grey model, a grey
one repeated into three channels for a colour model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from workers.data.images.decoding import Decoded, decode_image
from workers.data.images.image_set import Geometry, pixel_columns
from workers.errors import UnreadableFile

LUMA = np.array([299, 587, 114], dtype=np.float64) / 1000  # Pillow's convert("L") weights


def image_rows(paths: Sequence[str | Path], geometry: Geometry) -> pd.DataFrame:
    """One row per file, one float32 column per pixel (0..255, channel-major), in `geometry`.
    `UnreadableFile` names a file that cannot be read as an image."""
    rows = np.empty((len(paths), geometry.n_pixels), dtype=np.float32)
    for i, path in enumerate(paths):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:  # missing, a folder, not readable: say which file, not a traceback
            raise UnreadableFile(f"{path} cannot be read ({exc.strerror or type(exc).__name__}).") from exc
        decoded = decode_image(data, entry=Path(path).name, zip_name=str(path))
        if not isinstance(decoded, Decoded):
            raise UnreadableFile(f"{path} cannot be scored: {decoded.reason}.")
        rows[i] = _in_geometry(decoded.pixels, geometry).reshape(-1)
    return pd.DataFrame(rows, columns=pixel_columns(geometry))


def _in_geometry(pixels: np.ndarray, geometry: Geometry) -> np.ndarray:
    """(size, size) grey or (size, size, 3) colour pixels as (channels, size, size) of the model."""
    if pixels.ndim == 2:
        grey = pixels[None]
        return np.repeat(grey, 3, axis=0) if geometry.channels == 3 else grey
    if geometry.channels == 1:
        return np.rint(pixels.astype(np.float64) @ LUMA)[None]
    return np.moveaxis(pixels, -1, 0)
