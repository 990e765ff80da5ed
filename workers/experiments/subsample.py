"""Training on a fraction of the training split: a stratified, nested, reproducible subsample.

Each class's rows are put in one order drawn from the seed, and a fraction takes the first rows of every
class in that order. The order does not depend on the fraction, so the samples are nested (the 10% sample
lies inside the 25% one): the points of a learning curve differ only by the rows added, not by luck.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from workers.errors import DataError, InvalidOption

MIN_ROWS_PER_CLASS = 5  # fewer and a model, or the metrics on its training rows, mean little
SUBSAMPLE_STREAM = 0x5AB5  # keeps this draw apart from every other use of the same seed


def check_train_fraction(value: Any) -> float:
    """`value` as a float in (0, 1] (1.0: the whole training split), else `InvalidOption`."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 < float(value) <= 1.0:
        raise InvalidOption(
            f"train_fraction must be a number in (0, 1] (1 = the whole training split), got {value!r}."
        )
    return float(value)


def check_seed(value: Any, name: str = "seed") -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InvalidOption(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)


def subsample_indices(
    y: np.ndarray, fraction: float, *, seed: int, class_names: list[str] | None = None
) -> np.ndarray:
    """Sorted row indices of a stratified `fraction` of the rows of `y` (class indices).

    Every class keeps round(fraction × its rows) rows; `DataError` when that leaves a class with fewer
    than `MIN_ROWS_PER_CLASS` (named by `class_names` if given). `fraction == 1` returns every row.
    """
    fraction = check_train_fraction(fraction)
    y = np.asarray(y)
    if fraction == 1.0:
        return np.arange(len(y))
    labels, counts = np.unique(y, return_counts=True)
    keep = np.floor(fraction * counts + 0.5).astype(np.int64)
    if keep.min() < MIN_ROWS_PER_CLASS:
        short = ", ".join(
            f"class {class_names[int(label)] if class_names else int(label)!r} {kept} of {count}"
            for label, kept, count in zip(labels, keep, counts, strict=True)
            if kept < MIN_ROWS_PER_CLASS
        )
        needed = min(1.0, (MIN_ROWS_PER_CLASS - 0.5) / counts.min())
        raise DataError(
            f"train_fraction {fraction:g} leaves too few training rows ({short}); every class needs at least "
            f"{MIN_ROWS_PER_CLASS}. Use a train_fraction of at least {math.ceil(needed * 1000) / 1000:g}."
        )
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([check_seed(seed), SUBSAMPLE_STREAM])))
    # Each class's order is drawn whatever the fraction, so every fraction takes a prefix of the same order.
    chosen = [
        np.flatnonzero(y == label)[rng.permutation(count)][:kept]
        for label, count, kept in zip(labels, counts, keep, strict=True)
    ]
    return np.sort(np.concatenate(chosen))
