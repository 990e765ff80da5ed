"""A dataset's preparation (profile → split → checks) kept in the artifact store, once per split seed, kept
columns and split options (method, time and group column), and handed to every job of the same data instead of splitting and checking it again.

Stored beside the parsed copy it was made from (`<parsed copy's stem>.<digest of the preparation version, seed, kept columns, split options>
.prepared.pkl`), so it lives and goes with it. What is stored is the library's `examine` (not refused for
leaving no column), and `reusing` refuses it exactly as `prepare` would each time it is handed out: a job
gets the same errors, in the same order, as if it had prepared the data itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Sequence
from pathlib import Path

from service.artifacts import ArtifactStore
from service.datasets.parsed import PARSED_SUFFIX, parsed_name, write_artifact
from workers.data.dataset import Dataset
from workers.preparation import PREPARATION_VERSION, Prepared, PrepareData, examine, profile_dataset, reusing
from workers.split import SplitOptions

logger = logging.getLogger(__name__)

PREPARED_SUFFIX = ".prepared.pkl"


def _kept(keep_columns: Sequence[str] | str) -> tuple[str, ...]:
    return (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)


def prepared_name(
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> str:
    stem = parsed_name(dataset.sha256, dataset.target, dataset.positive_label).removesuffix(PARSED_SUFFIX)
    # The version is part of the name: a preparation made by older checks is never found, so never reused.
    # So are the split options: a random split's preparation is never handed to a time-ordered assessment.
    options = (split_options or SplitOptions()).key()
    how = hashlib.sha256(
        json.dumps([PREPARATION_VERSION, seed, list(_kept(keep_columns)), options]).encode()
    ).hexdigest()[:16]
    return f"{stem}.{how}{PREPARED_SUFFIX}"


def find_prepared(
    artifacts: ArtifactStore,
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> Prepared | None:
    """The stored preparation of `dataset` for this seed, kept columns and split options; None if there is none
    (or it cannot be read: it is made again)."""
    path = artifacts.path(
        prepared_name(dataset, seed=seed, keep_columns=keep_columns, split_options=split_options)
    )
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            stored = pickle.load(handle)  # safe: written by this service's own intake and workers only
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        logger.warning("the stored preparation %s cannot be read; it is made again", path.name)
        return None
    return stored if isinstance(stored, Prepared) else None


def keep_prepared(artifacts: ArtifactStore, dataset: Dataset, prepared: Prepared) -> str:
    """Store `prepared` (made from `dataset` by `examine` or `prepare`); returns its artifact name."""
    name = prepared_name(
        dataset, seed=prepared.seed, keep_columns=prepared.keep_columns, split_options=prepared.split_options
    )
    data = pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL)

    def write(path: Path) -> None:
        path.write_bytes(data)

    write_artifact(artifacts, name, write)
    return name


def examined(
    artifacts: ArtifactStore | None,
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> Prepared:
    """`examine(dataset, ...)`, read from the store when it was made before (nothing is written here)."""
    stored = (
        None
        if artifacts is None
        else find_prepared(
            artifacts, dataset, seed=seed, keep_columns=keep_columns, split_options=split_options
        )
    )
    if stored is not None:
        return stored
    return examine(dataset, seed=seed, keep_columns=keep_columns, split_options=split_options)


def stored_preparation(artifacts: ArtifactStore) -> PrepareData:
    """A `prepare` for jobs: the preparation stored for the same data, seed and kept columns, else one made
    now and stored for the jobs after this one. Refuses the data as `prepare` would, in the same order."""

    def prepare_data(
        dataset: Dataset,
        *,
        seed: int,
        keep_columns: Sequence[str] = (),
        split_options: SplitOptions | None = None,
    ) -> Prepared:
        kept = _kept(keep_columns)
        options = split_options or SplitOptions()
        stored = find_prepared(artifacts, dataset, seed=seed, keep_columns=kept, split_options=options)
        if stored is None:
            profile_dataset(dataset, keep_columns=kept)  # refused before anything is split, as `prepare` does
            stored = examine(dataset, seed=seed, keep_columns=kept, split_options=options)
            keep_prepared(artifacts, dataset, stored)
        return reusing(stored)(dataset, seed=seed, keep_columns=kept, split_options=options)

    return prepare_data
