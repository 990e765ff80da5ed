"""Issue 12, item 4: the seconds a date column adds to the one data preparation (profile → split → checks), at
100k rows, side by side with the same table without it.

    python benchmarks/bench_time_split.py                 # 100,000 rows, 3 runs each, medians
    python benchmarks/bench_time_split.py --rows 10000

The table is `bench_assessment.synthetic_table` (40 numeric + 10 categorical columns) with a `day` column of
ISO dates added. "random" prepares the table without the date (the stratified random split and today's
checks); "time" prepares it with the date: the column is detected, the rows are split in time order, and the
time check (label rate and PSI of every feature between the oldest and newest rows) runs. Both are
`workers.preparation.prepare`, so the difference is what an assessment pays for the time split.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_assessment import synthetic_table  # a sibling script, not a package

from workers.data.loading import load_dataset
from workers.drift import time_drift_findings
from workers.preparation import prepare
from workers.split import DEFAULT_SEED
from workers.time_column import detect_time_column


def _median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(rows: int, runs: int) -> None:
    table = synthetic_table(rows)
    target = table.columns[-1]
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(
        np.sort(np.random.default_rng(1).integers(0, 1000, rows)), "D"
    )
    dated = table.assign(day=days.strftime("%Y-%m-%d"))
    with tempfile.TemporaryDirectory() as tmp:
        plain_path, dated_path = Path(tmp) / "plain.csv", Path(tmp) / "dated.csv"
        table.to_csv(plain_path, index=False)
        dated.to_csv(dated_path, index=False)
        plain = load_dataset(plain_path, target=target)
        with_date = load_dataset(dated_path, target=target)
    random_s = _median_seconds(lambda: prepare(plain, seed=DEFAULT_SEED), runs)
    prepared = prepare(with_date, seed=DEFAULT_SEED)
    assert prepared.split.method == "time_ordered", prepared.split.method
    time_s = _median_seconds(lambda: prepare(with_date, seed=DEFAULT_SEED), runs)
    detect_s = _median_seconds(lambda: detect_time_column(with_date), runs)
    drift_s = _median_seconds(
        lambda: time_drift_findings(with_date, prepared.split, list(prepared.used_columns)), runs
    )
    print(f"{rows:,} rows × {len(table.columns) - 1} features, median of {runs} runs (seconds)")
    print(
        "| preparation | random split, no date | time split + time check | added | detect date | time check |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| prepare() | {random_s:.2f} | {time_s:.2f} | **{time_s - random_s:+.2f}** "
        f"({time_s / random_s:.2f}×) | {detect_s:.2f} | {drift_s:.2f} |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    main(args.rows, args.runs)
