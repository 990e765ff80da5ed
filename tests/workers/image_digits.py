"""Small image datasets for the image-model tests: scikit-learn's bundled digits (8×8, grey, 0..16),
upscaled ×4 to the models' 32×32 and scaled to 0..255, as a Dataset, an ImageSet or model frames. Nothing is
downloaded; a few hundred images keep every test a few seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

from workers.data.dataset import Dataset
from workers.data.images.image_set import ImageSet


def digit_images(
    n: int | None = None, *, seed: int | None = 0, colour: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, channels, 32, 32) and their digit (0..9), a seeded sample of `n` (all when None;
    the first `n` in the bundled order when `seed` is None)."""
    digits = load_digits()
    everything = np.arange(len(digits.target))
    order = (everything if seed is None else np.random.default_rng(seed).permutation(everything))[:n]
    pixels = (digits.images[order] / 16 * 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((1, 4, 4), dtype=np.uint8))[:, None]
    if colour:
        pixels = np.repeat(pixels, 3, axis=1)
    return pixels, digits.target[order]


def image_set(pixels: np.ndarray) -> ImageSet:
    n = len(pixels)
    return ImageSet(
        pixels=pixels,
        names=[f"digits/{i}.png" for i in range(n)],
        widths=np.full(n, 8, dtype=np.int32),
        heights=np.full(n, 8, dtype=np.int32),
        modes=["L"] * n,
        formats=["PNG"] * n,
        phash=np.arange(n, dtype=np.uint64),
        content_sha256=[f"{i:064x}" for i in range(n)],
    )


def digits_dataset(n: int | None = None, *, positive: int = 3, seed: int = 0) -> Dataset:
    """A binary image Dataset: is the digit `positive`?"""
    pixels, digit = digit_images(n, seed=seed)
    images = image_set(pixels)
    return Dataset(
        features=images.features_frame(),
        y=(digit == positive).astype(np.int64),
        classes=["other", str(positive)],
        target="label",
        sha256="ab" * 32,
        columns={},
        source="digits.zip",
        positive_label=str(positive),
        images=images,
    )


def digit_frames(
    n: int, *, positive: int = 3, seed: int = 0, colour: bool = False
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """(train frame, y, validation frame, y): float32 pixel frames 0..255, two thirds to train."""
    pixels, digit = digit_images(n, seed=seed, colour=colour)
    frame = image_set(pixels).features_frame().astype(np.float32)
    y = (digit == positive).astype(np.int64)
    cut = 2 * n // 3
    return frame.iloc[:cut], y[:cut], frame.iloc[cut:].reset_index(drop=True), y[cut:]
