"""Wide tables: seconds (and seconds per column) to load, profile and check a CSV of N columns × 100 rows,
the work an upload does (service/datasets/intake.py `inspect_dataset`: load_dataset → make_split → run_checks).

    python benchmarks/bench_wide_tables.py               # 1k, 2k, 4k, 8k, 20k columns
    python benchmarks/bench_wide_tables.py 1000 2000     # chosen widths

Columns mix numbers, categories and a few missing values; the target is binary. Issue 17 item 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workers.checks import excluded_columns, run_checks
from workers.data.loading import load_dataset
from workers.split import DEFAULT_SEED, make_split

ROWS = 100
WIDTHS = (1_000, 2_000, 4_000, 8_000, 20_000)


def write_table(path: Path, columns: int, rows: int = ROWS, seed: int = 0) -> None:
    """A CSV of `columns` features (4 in 5 numeric, 1 in 5 categorical, 1% missing) and a binary target."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(columns):
        if i % 5 == 4:
            data[f"c{i}"] = rng.choice(["red", "green", "blue"], size=rows)
        else:
            values = rng.normal(size=rows).round(3)
            values[rng.random(rows) < 0.01] = np.nan
            data[f"c{i}"] = values
    data["target"] = np.tile(["yes", "no"], rows // 2 + 1)[:rows]
    pd.DataFrame(data).to_csv(path, index=False)


def measure(path: Path) -> dict[str, float]:
    started = time.perf_counter()
    dataset = load_dataset(path, target="target")
    loaded = time.perf_counter()
    split = make_split(dataset, seed=DEFAULT_SEED)
    findings = run_checks(dataset, split)
    excluded_columns(dataset, findings)
    checked = time.perf_counter()
    return {"load": loaded - started, "checks": checked - loaded, "total": checked - started}


def main(widths: list[int]) -> None:
    print(f"| columns × {ROWS} rows | load + profile (s) | split + checks (s) | total (s) | ms per column |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for columns in widths:
            path = Path(tmp) / f"wide_{columns}.csv"
            write_table(path, columns)
            took = measure(path)
            print(
                f"| {columns:,} | {took['load']:.2f} | {took['checks']:.2f} | {took['total']:.2f} "
                f"| {1000 * took['total'] / columns:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or list(WIDTHS))
