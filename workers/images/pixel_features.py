"""The baselines' view of an image: a few hundred numbers instead of every pixel.

"Can something simpler work?" is asked of images too: logistic regression, a random forest and XGBoost
train on `PixelFeatures` — each channel block-averaged down to `pooled_size`² pixels (the image at a glance:
colour and layout) and, on the grey image, histograms of gradient orientations per cell (HOG-like: edges and
strokes, which shifts of a pixel or two barely change). For a 32×32 colour image that is 3·8·8 + 4·4·9 = 336
features instead of 3,072, so the linear model and the trees train in seconds; all in numpy.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from workers.data.images.image_set import Geometry, geometry_of

POOLED_SIZE = 8  # pixels a side after block averaging (at most 16: the baselines' inputs stay small)
HOG_CELLS = 4  # cells a side for the orientation histograms
HOG_BINS = 9  # unsigned orientations, 20° each (Dalal and Triggs' choice)
EPSILON = 1e-6


class PixelFeatures(TransformerMixin, BaseEstimator):
    """Flat pixel rows (a frame of `pixel_columns`) → block means per channel, then HOG-like histograms.

    `pooled_size`: pixels a side of each channel after block averaging (a divisor of the image size is
    exact; otherwise the largest whole blocks are averaged). `hog`: add the orientation histograms.
    """

    def __init__(self, pooled_size: int = POOLED_SIZE, hog: bool = True) -> None:
        self.pooled_size = pooled_size
        self.hog = hog

    def fit(self, X: object, y: object = None) -> PixelFeatures:
        validate_data(self, X, reset=True, dtype=np.float32)
        geometry = geometry_of(list(getattr(self, "feature_names_in_", [])))
        if geometry is None:
            raise ValueError("PixelFeatures needs a frame of pixel columns (px_{channel}_{row}_{column})")
        self.geometry_ = geometry
        self.pooled_ = max(1, min(int(self.pooled_size), geometry.size))
        self.cells_ = max(1, min(HOG_CELLS, geometry.size // 2))
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "geometry_")
        values = validate_data(self, X, reset=False, dtype=np.float32)
        images = values.reshape(
            len(values), self.geometry_.channels, self.geometry_.size, self.geometry_.size
        )
        parts = [block_mean(images, self.pooled_).reshape(len(values), -1)]
        if self.hog:
            parts.append(orientation_histograms(images.mean(axis=1), self.cells_, HOG_BINS))
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "geometry_")
        names = [
            f"mean_{c}_{y}_{x}"
            for c in range(self.geometry_.channels)
            for y in range(self.pooled_)
            for x in range(self.pooled_)
        ]
        if self.hog:
            names += [
                f"hog_{y}_{x}_{b}"
                for y in range(self.cells_)
                for x in range(self.cells_)
                for b in range(HOG_BINS)
            ]
        return np.asarray(names, dtype=object)


def n_features(geometry: Geometry, pooled_size: int = POOLED_SIZE, hog: bool = True) -> int:
    """How many features `PixelFeatures` makes of an image of `geometry`."""
    pooled = max(1, min(pooled_size, geometry.size))
    cells = max(1, min(HOG_CELLS, geometry.size // 2))
    return geometry.channels * pooled * pooled + (cells * cells * HOG_BINS if hog else 0)


def block_mean(images: np.ndarray, out: int) -> np.ndarray:
    """`(n, c, s, s)` → `(n, c, out, out)`: the mean of each block of ⌊s/out⌋² pixels (a remainder at the
    right and bottom edges is left out)."""
    n, c, size, _ = images.shape
    block = size // out
    cropped = images[:, :, : block * out, : block * out]
    return cropped.reshape(n, c, out, block, out, block).mean(axis=(3, 5))


def orientation_histograms(grey: np.ndarray, cells: int, bins: int) -> np.ndarray:
    """HOG-like features of grey images `(n, s, s)`: per cell of a `cells`×`cells` grid, the gradient
    magnitudes summed into `bins` unsigned orientation bins, each cell's histogram L2-normalised (so
    contrast and brightness matter less than the edges' directions). Returns `(n, cells·cells·bins)`."""
    n, size, _ = grey.shape
    gy = np.zeros_like(grey)
    gx = np.zeros_like(grey)
    gy[:, 1:-1, :] = grey[:, 2:, :] - grey[:, :-2, :]  # central differences, as Dalal and Triggs found best
    gx[:, :, 1:-1] = grey[:, :, 2:] - grey[:, :, :-2]
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned: an edge and its reverse are one orientation
    which = np.minimum((angle / np.pi * bins).astype(np.int64), bins - 1)
    cell = size // cells
    crop = cell * cells
    magnitude, which = magnitude[:, :crop, :crop], which[:, :crop, :crop]
    # Each pixel's (cell, bin) slot; one bincount over the batch sums every histogram at once.
    cell_y = (np.arange(crop) // cell)[:, None]
    cell_x = (np.arange(crop) // cell)[None, :]
    slot = ((cell_y * cells + cell_x) * bins)[None] + which
    offset = (np.arange(n) * cells * cells * bins)[:, None, None]
    hist = np.bincount((slot + offset).ravel(), weights=magnitude.ravel(), minlength=n * cells * cells * bins)
    per_cell = np.asarray(hist, dtype=np.float64).reshape(n, cells * cells, bins)
    per_cell = per_cell / (np.sqrt((per_cell**2).sum(axis=2, keepdims=True)) + EPSILON)
    return per_cell.reshape(n, -1).astype(np.float32)


def image_preprocessor(recipe: Literal["linear", "tree"]) -> Pipeline:
    """The baselines' preprocessing of a pixel frame: `PixelFeatures`, then standard scaling for the linear
    recipe (trees split on the raw features)."""
    steps: list = [("pixels", PixelFeatures())]
    if recipe == "linear":
        steps.append(("scale", StandardScaler()))
    return Pipeline(steps)
