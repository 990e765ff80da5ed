"""The split and checks of an image dataset: `workers.preparation` makes them into the same `Prepared` as a
table's, so every stage after it treats images as it treats tables.

The split is the tables' stratified 60/20/20 split (`workers.split.random_assignment`, the same seed and
generator), with the image checks' duplicate clusters as its groups: an image and its exact or near copies
always land in one part, so a model cannot score on the test images by remembering their copies in train.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.checks import Finding
from workers.data.dataset import Dataset
from workers.errors import InvalidOption
from workers.images.checks import image_findings
from workers.images.duplicates import find_duplicates
from workers.split import Split, SplitOptions, SplitTooSmall, random_assignment

SPLIT_DESCRIPTION = (
    "stratified by label, exact and near-duplicate images (perceptual hash and pixels) kept together, "
    "PCG64(seed, sha256)"
)


def refuse_table_options(
    *, keep_columns: Sequence[str] = (), split_options: SplitOptions | None = None
) -> None:
    """`InvalidOption` for what only a table has: kept columns, a time or a group split. Every door asks
    here — the preparation, and the service before it queues anything."""
    if keep_columns:
        raise InvalidOption(
            "--keep-column is for table columns; an image dataset has none.", field="keep_columns"
        )
    if split_options is not None and not split_options.is_default:
        raise InvalidOption(
            "Time and group splits are for tables; an image dataset is split at random, near-duplicate images "
            "kept together.",
            field="split",
        )


def split_and_check_images(
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> tuple[Split, list[Finding]]:
    """Split and check an image dataset (every pixel column is used). The table-only options are refused,
    and a split with a part (or a class in a part) empty is refused with `SplitTooSmall`, as a table's is."""
    images = dataset.images
    if images is None:
        raise ValueError("split_and_check_images needs an image dataset")
    refuse_table_options(keep_columns=keep_columns, split_options=split_options)
    duplicates = find_duplicates(images)
    n_clusters = int(duplicates.clusters.max(initial=-1)) + 1
    assignment = random_assignment(
        dataset,
        seed=seed,
        groups=duplicates.clusters,
        why=(
            f"Each image is kept in one split with its exact and near copies, and the {dataset.n_rows:,} images "
            f"form {n_clusters:,} distinct groups. Add images (at least 5 of each class, far more to learn "
            "from) or remove the copies."
        ),
    )
    split = Split(
        assignment=assignment,
        seed=seed,
        dataset_sha256=dataset.sha256,
        description=SPLIT_DESCRIPTION,
        note="Each image is kept in one part with its exact and near copies, so no model is scored on a copy "
        "of an image it trained on.",
    )
    return split, image_findings(dataset, split, duplicates, _plain_assignment(dataset, seed))


def _plain_assignment(dataset: Dataset, seed: int) -> np.ndarray | None:
    """What a plain stratified random split would have made (the same seed, each image a group of its own),
    for the finding that counts the duplicate groups it would have put across parts; None if impossible."""
    try:
        return random_assignment(dataset, seed=seed, groups=np.arange(dataset.n_rows))
    except SplitTooSmall:
        return None
