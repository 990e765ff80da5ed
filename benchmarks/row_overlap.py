"""How well the row sketch (`workers.data.row_sketch`, bottom-k, k = 1024) tells the share of a new file's rows
found in an earlier file — the number that decides whether the new file shares the earlier one's test budget
(at ≥ 50%, `service.ledger.pools.SHARE_AT`).

For each (earlier rows, new rows, true overlap) cell, REPEATS random tables are built (8 float columns and a
binary label; the new file is `overlap` of the earlier file's rows plus fresh rows, shuffled, its columns
reordered), and the estimate's mean absolute error, its worst error, and how often it lands on the wrong side
of 50% are reported, with the time to hash and sketch the new file.

    python benchmarks/row_overlap.py            # the full grid (about a minute on 2 cores)
    python benchmarks/row_overlap.py --quick    # a bounded grid
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from workers.data.row_sketch import containment, row_hashes, sketch_rows

SHARE_AT = 0.5


def table(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    return pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)]), rng.integers(0, 2, n)


def cell(n_old: int, n_new: int, overlap: float, repeats: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    errors, wrong_side, seconds = [], 0, 0.0
    for _ in range(repeats):
        old_x, old_y = table(rng, n_old)
        shared = min(round(overlap * n_new), n_old)
        pick = rng.choice(n_old, shared, replace=False)
        new_x, new_y = table(rng, n_new - shared)
        x = pd.concat([old_x.iloc[pick], new_x], ignore_index=True)
        y = np.r_[old_y[pick], new_y]
        order = rng.permutation(len(x))
        x, y = x.iloc[order][list(reversed(x.columns))], y[order]
        start = time.perf_counter()
        new_sketch = sketch_rows(row_hashes(x, y))
        seconds += time.perf_counter() - start
        estimate = containment(new_sketch, sketch_rows(row_hashes(old_x, old_y)))
        truth = shared / n_new
        errors.append(abs(estimate - truth))
        wrong_side += (estimate >= SHARE_AT) != (truth >= SHARE_AT)
    return {
        "mae": float(np.mean(errors)),
        "max": float(np.max(errors)),
        "wrong_side": wrong_side / repeats,
        "ms": 1000 * seconds / repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (
        [(1_000, 1_000), (20_000, 20_000), (200_000, 20_000)]
        if not args.quick
        else [(1_000, 1_000), (20_000, 5_000)]
    )
    overlaps = [0.0, 0.3, 0.45, 0.55, 0.8, 1.0]
    repeats = 5 if args.quick else 20
    print(
        f"{'earlier':>8} {'new':>7} {'overlap':>7} {'MAE':>6} {'max':>6} {'wrong side of 50%':>17} {'ms/file':>8}"
    )
    for seed, (n_old, n_new) in enumerate(sizes):
        for overlap in overlaps:
            r = cell(n_old, n_new, overlap, repeats, seed)
            print(
                f"{n_old:>8,} {n_new:>7,} {overlap:>7.0%} {r['mae']:>6.3f} {r['max']:>6.3f} "
                f"{r['wrong_side']:>17.0%} {r['ms']:>8.1f}"
            )


if __name__ == "__main__":
    main()
