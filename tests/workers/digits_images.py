"""A small real image dataset built by hand for the image-report tests: scikit-learn's bundled digits
(8×8 greyscale scans), upscaled to the model size as the intake would resize them, named as a
class-per-folder zip names its files ("3/0042.png"), with one file left out as unreadable."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.workers.image_digits import digit_images
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import run_assessment
from workers.assessment.store import InMemoryStore
from workers.data.dataset import Dataset
from workers.data.images.image_set import ImageSet

UNREADABLE = {"name": "7/broken.png", "reason": "truncated PNG: image file is truncated"}


def digits_images(n: int = 400, *, positive: str | None = None, mislabelled: int = 0) -> Dataset:
    """The first `n` digits as an image Dataset: ten classes "0".."9", or two ("other", `positive`).
    `mislabelled` rows (seeded) get another class's label, as a mis-sorted folder would give them: the
    models are then confidently wrong about some test images, whatever the seed of the split."""
    pixels, target = digit_images(n, seed=None)
    names = [f"{t}/{i:04d}.png" for i, t in enumerate(target)]
    images = ImageSet(
        pixels=pixels,
        names=names,
        widths=np.full(n, 8, dtype=np.int32),
        heights=np.full(n, 8, dtype=np.int32),
        modes=["L"] * n,
        formats=["PNG"] * n,
        # Distinct scans: hashes far apart, so the near-duplicate check finds no pair (a real pHash of these
        # 8×8 scans would be slower to compute and say the same).
        phash=np.random.default_rng(7).integers(0, 2**63, size=n, dtype=np.uint64),
        content_sha256=[f"{i:064x}" for i in range(n)],
        unreadable=[dict(UNREADABLE)],
    )
    if positive is None:
        classes = [str(k) for k in range(10)]
        y = target.astype(np.int64)
    else:
        classes = ["other", positive]
        y = (target == int(positive)).astype(np.int64)
    wrong = np.random.default_rng(13).choice(n, size=mislabelled, replace=False)
    y[wrong] = (y[wrong] + 1) % len(classes)
    return Dataset(
        features=images.features_frame(),
        y=y,
        classes=classes,
        target="label",
        sha256="d1" * 32,
        columns={},
        source="digits.zip",
        positive_label=positive,
        images=images,
    )


def assessed_digits() -> tuple[Dataset, AssessmentConfig, InMemoryStore, dict[str, Any]]:
    """A whole assessment of 400 digits, "3" against the rest with 60 labels mis-sorted, baselines only (a
    few seconds): the dataset, the config, the store that holds its stage outputs, and the report JSON."""
    dataset = digits_images(400, positive="3", mislabelled=60)
    config = AssessmentConfig(
        target="label", positive="3", run_deep=False, learning_curve=False, n_resamples=200
    )
    store = InMemoryStore()
    return dataset, config, store, run_assessment(dataset, config, store)
