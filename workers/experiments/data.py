"""An experiment's data: the split and the columns exactly as an assessment of the same file makes them.

Both come from the one preparation (`workers.preparation.prepare`, or a stand-in that reads a stored one),
so the same file and seed give an experiment the very rows and columns an assessment trains on. Only the
training and validation parts are exposed: experiments select models on validation, and the test split is
left to the assessment's budgeted look.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workers.data.dataset import Dataset
from workers.data.loading import DEFAULT_MAX_FILE_BYTES, load_dataset
from workers.experiments.subsample import check_seed
from workers.features import model_frame
from workers.preparation import PrepareData, prepare
from workers.split import DEFAULT_SEED, TRAIN, VALIDATION, Split, SplitOptions


@dataclass
class ExperimentData:
    """A dataset with its split and the columns a model trains on (in the dataset's column order)."""

    dataset: Dataset
    split: Split
    used_columns: list[str]
    excluded: dict[str, str]  # column -> why the checks left it out
    findings: list[dict[str, Any]]
    train_frame: pd.DataFrame = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    validation_frame: pd.DataFrame = field(repr=False)
    y_validation: np.ndarray = field(repr=False)

    @property
    def split_hash(self) -> str:
        """The split's id: equal hashes, the very same rows in every part."""
        return self.split.split_id

    @property
    def split_seed(self) -> int:
        return self.split.seed

    @property
    def n_classes(self) -> int:
        return self.dataset.n_classes


def experiment_data(
    dataset: Dataset,
    *,
    seed: int = DEFAULT_SEED,
    keep_columns: Iterable[str] = (),
    prepare_data: PrepareData = prepare,
    split_options: SplitOptions | None = None,
) -> ExperimentData:
    """Split `dataset` with `seed` and choose its columns as an assessment's checks would (`prepare_data`:
    `prepare` or a stand-in with its contract).

    Raises `InvalidOption` for a kept column that is not a feature and `NoUsableFeatures` when no column is
    left, with the assessment's messages.
    """
    kept = (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)
    # Default options are not passed: a stand-in written before there were options still fits.
    extra = {} if split_options is None or split_options.is_default else {"split_options": split_options}
    prepared = prepare_data(dataset, seed=check_seed(seed), keep_columns=kept, **extra)
    frame = model_frame(dataset, list(prepared.used_columns))
    train, validation = prepared.split.indices(TRAIN), prepared.split.indices(VALIDATION)
    return ExperimentData(
        dataset=dataset,
        split=prepared.split,
        used_columns=list(prepared.used_columns),
        excluded=dict(prepared.excluded),
        findings=prepared.findings_dicts(),
        train_frame=frame.iloc[train],
        y_train=dataset.y[train],
        validation_frame=frame.iloc[validation],
        y_validation=dataset.y[validation],
    )


def prepare_experiment_data(
    path: str | Path,
    *,
    target: str,
    positive: str | None = None,
    seed: int = DEFAULT_SEED,
    keep_columns: Iterable[str] = (),
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    name: str | None = None,
) -> ExperimentData:
    """Load the labelled file at `path` and prepare it as `experiment_data` does (`seed`: the split seed;
    `name`: how messages call the file). User mistakes raise `ReadinessError` subclasses."""
    dataset = load_dataset(path, target=target, positive=positive, max_bytes=max_bytes, name=name)
    return experiment_data(dataset, seed=seed, keep_columns=keep_columns)
