"""Training on a fraction: stratified, nested, reproducible, and refused when a class would vanish."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from workers.errors import DataError, InvalidOption
from workers.experiments.subsample import MIN_ROWS_PER_CLASS, subsample_indices

# 300 rows: 200 of class 0, 60 of class 1, 40 of class 2, interleaved.
Y = np.random.default_rng(0).permutation(np.repeat([0, 1, 2], [200, 60, 40]))


def test_sizes_follow_the_fraction_in_every_class() -> None:
    rows = subsample_indices(Y, 0.25, seed=3)
    assert np.bincount(Y[rows]).tolist() == [50, 15, 10]
    assert np.all(np.diff(rows) > 0)  # sorted, no repeats: the frame keeps its row order


def test_whole_split_at_one() -> None:
    assert np.array_equal(subsample_indices(Y, 1.0, seed=3), np.arange(len(Y)))


def test_smaller_fractions_lie_inside_larger_ones() -> None:
    fractions = [0.15, 0.25, 0.5, 0.8]
    samples = [set(subsample_indices(Y, f, seed=5)) for f in fractions]
    for smaller, larger in itertools.pairwise(samples):
        assert smaller < larger


def test_the_same_seed_draws_the_same_rows_and_another_seed_others() -> None:
    assert np.array_equal(subsample_indices(Y, 0.3, seed=9), subsample_indices(Y, 0.3, seed=9))
    assert not np.array_equal(subsample_indices(Y, 0.3, seed=9), subsample_indices(Y, 0.3, seed=10))


def test_a_class_left_with_too_few_rows_is_a_clear_data_error() -> None:
    with pytest.raises(DataError) as caught:
        subsample_indices(Y, 0.05, seed=1, class_names=["a", "b", "c"])
    message = caught.value.detail
    assert "class 'b' 3 of 60, class 'c' 2 of 40" in message and f"at least {MIN_ROWS_PER_CLASS}" in message
    assert "train_fraction of at least 0.113" in message
    rows = subsample_indices(Y, 0.113, seed=1)  # the suggested fraction works
    assert np.bincount(Y[rows]).min() >= MIN_ROWS_PER_CLASS


@pytest.mark.parametrize("fraction", [0, -0.5, 1.01, True, "half", float("nan")])
def test_fractions_outside_zero_to_one_are_refused(fraction: object) -> None:
    with pytest.raises(InvalidOption, match="train_fraction"):
        subsample_indices(Y, fraction, seed=1)  # type: ignore[arg-type]
