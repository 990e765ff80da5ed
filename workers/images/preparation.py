"""The preparation of an image dataset: its profile, split and checks, as `workers.preparation` makes a
table's (the same `Prepared`, so every stage after it treats images as it treats tables)."""

from __future__ import annotations

from collections.abc import Sequence

from workers.data.dataset import Dataset
from workers.errors import InvalidOption
from workers.preparation import DataProfile, Prepared
from workers.split import Split, SplitOptions, random_assignment


def prepare_images(
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> Prepared:
    """Split and check an image dataset. Every pixel column is used; the table-only options are refused."""
    if keep_columns:
        raise InvalidOption(
            "--keep-column is for table columns; an image dataset has none.", field="keep_columns"
        )
    options = split_options or SplitOptions()
    if not options.is_default:
        raise InvalidOption(
            "Time and group splits are for tables; an image dataset is split at random, near-duplicate images "
            "kept together.",
            field="split",
        )
    split = Split(assignment=random_assignment(dataset, seed=seed), seed=seed, dataset_sha256=dataset.sha256)
    return Prepared(
        profile=DataProfile.of(dataset),
        split=split,
        findings=[],
        excluded={},
        used_columns=list(dataset.features.columns),
        split_options=options,
    )
