"""A small sketch of a table's rows, to tell whether a new file largely repeats an earlier one.

Each row (its features, columns in name order, and its label text) is hashed to 64 bits with pandas'
`hash_pandas_object` (SipHash with a fixed key: the same row gives the same hash on any machine). The sketch
keeps the `SKETCH_SIZE` smallest distinct hashes — a bottom-k sketch (Cohen 1997; Broder 1997, "On the
resemblance and containment of documents"). The smallest hashes of a table are a uniform sample of its
distinct rows, and every row of the other table whose hash falls below the other sketch's largest value is
in that sketch, so the share of one sketch's hashes (below the other's cut) found in the other estimates
the share of the first table's rows that are also rows of the second — exactly when both tables have fewer
distinct rows than the sketch holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SKETCH_SIZE = 1024  # hashes kept per table: ±3 points on a 50% overlap, 8 KB per dataset
_SIGN_SHIFT = np.uint64(2**63)  # uint64 → int64 keeping the order, for a Postgres bigint column


@dataclass(frozen=True)
class RowSketch:
    """A table's distinct-row count and its smallest row hashes (ascending, as order-preserving int64)."""

    distinct_rows: int
    hashes: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Whether the sketch holds every distinct row's hash (a table smaller than the sketch)."""
        return len(self.hashes) >= self.distinct_rows


def row_hashes(features: pd.DataFrame, labels: pd.Series | np.ndarray) -> np.ndarray:
    """One uint64 per row over the row's values (columns in name order, so a reordered file hashes the
    same) and its label."""
    table = features.reindex(columns=sorted(features.columns, key=str)).copy()
    table["\x00label"] = np.asarray(labels).astype(str)
    return np.asarray(pd.util.hash_pandas_object(table, index=False), dtype=np.uint64)


def sketch_rows(hashes: np.ndarray, size: int = SKETCH_SIZE) -> RowSketch:
    """The bottom-`size` sketch of a table's row hashes."""
    distinct = np.unique(hashes)
    kept = (distinct[:size] - _SIGN_SHIFT).view(np.int64) if distinct.size else distinct.view(np.int64)
    return RowSketch(distinct_rows=int(distinct.size), hashes=tuple(int(h) for h in kept))


def containment(new: RowSketch, old: RowSketch) -> float:
    """The estimated share of `new`'s distinct rows that are rows of `old` (0 when either is empty)."""
    if not new.hashes or not old.hashes:
        return 0.0
    old_set = set(old.hashes)
    # Below `old`'s cut, a row of `new` is in `old` exactly when its hash is in `old`'s sketch.
    cut = None if old.complete else old.hashes[-1]
    sample = [h for h in new.hashes if cut is None or h <= cut]
    if not sample:
        return 0.0
    return sum(h in old_set for h in sample) / len(sample)
