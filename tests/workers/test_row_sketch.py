"""The row sketch that decides whether a new file shares an earlier file's test budget: exact on small tables,
blind to row and column order, close on large ones (seeded, a fraction of a second)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workers.data.row_sketch import SKETCH_SIZE, containment, row_hashes, sketch_rows


def _table(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd")), rng.choice(["no", "yes"], n)


def test_small_tables_are_compared_exactly_whatever_the_order_of_rows_and_columns() -> None:
    x, y = _table(0, 500)
    order = np.random.default_rng(1).permutation(500)[:300]  # 300 of the 500 rows, shuffled
    fresh_x, fresh_y = _table(2, 100)
    new_x = pd.concat([x.iloc[order], fresh_x], ignore_index=True)[["d", "b", "a", "c"]]
    new_y = np.r_[y[order], fresh_y]
    new, old = sketch_rows(row_hashes(new_x, new_y)), sketch_rows(row_hashes(x, y))
    assert new.complete and old.complete
    assert containment(new, old) == 300 / 400  # 75% of the new file's rows are the old file's
    assert containment(old, new) == 300 / 500


def test_a_changed_label_or_value_is_another_row_and_duplicates_count_once() -> None:
    x, y = _table(3, 200)
    flipped = np.where(y == "yes", "no", "yes")
    assert containment(sketch_rows(row_hashes(x, flipped)), sketch_rows(row_hashes(x, y))) == 0.0
    doubled = sketch_rows(row_hashes(pd.concat([x, x]), np.r_[y, y]))
    assert doubled.distinct_rows == 200


def test_large_tables_are_estimated_within_a_few_points() -> None:
    x, y = _table(4, 20_000)
    fresh_x, fresh_y = _table(5, 10_000)
    new = sketch_rows(row_hashes(pd.concat([x.iloc[:10_000], fresh_x]), np.r_[y[:10_000], fresh_y]))
    old = sketch_rows(row_hashes(x, y))
    assert len(new.hashes) == SKETCH_SIZE and not new.complete
    assert abs(containment(new, old) - 0.5) < 0.05
