"""Issue 17: loading, profiling and checking a wide table costs linear time in its width (no column-at-a-time
frame building), and the limits are checked from the file's metadata before anything is parsed."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

import workers.data.loading as loading
from workers.checks import _separation_auc, run_checks
from workers.data.limits import TableLimits, TooLargeDecompressed, TooManyColumns, TooManyRows
from workers.data.loading import load_dataset
from workers.split import make_split

WIDTH = 3_000


def write_wide(path: Path, columns: int = WIDTH, rows: int = 60) -> Path:
    rng = np.random.default_rng(0)
    data: dict[str, object] = {}
    for i in range(columns):
        data[f"c{i}"] = (
            rng.choice(["a", "b", "c"], size=rows) if i % 5 == 4 else rng.normal(size=rows).round(3)
        )
    data["target"] = np.tile(["yes", "no"], rows // 2)
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def test_3000_columns_load_and_check_without_a_performance_warning(tmp_path: Path) -> None:
    path = write_wide(tmp_path / "wide.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        dataset = load_dataset(path, target="target")
        findings = run_checks(dataset, make_split(dataset))
    assert dataset.features.shape == (60, WIDTH)
    assert list(dataset.features.columns) == [f"c{i}" for i in range(WIDTH)]
    # One block for the float columns (plus one per string column), not one per insert: not fragmented.
    assert dataset.features._mgr.nblocks <= 1 + WIDTH // 5
    assert (dataset.features.dtypes == "float64").sum() == WIDTH - WIDTH // 5
    assert isinstance(findings, list)


def test_each_column_is_profiled_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    profile = loading.profile_column

    def counting(name: str, series: pd.Series):
        calls.append(name)
        return profile(name, series)

    monkeypatch.setattr(loading, "profile_column", counting)
    load_dataset(write_wide(tmp_path / "wide.csv", columns=500), target="target")
    assert len(calls) == 500 and len(set(calls)) == 500


def test_the_separation_auc_is_roc_auc_score_without_its_overhead() -> None:
    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(4, 200))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        score = rng.integers(0, 4, n).astype(float) if trial % 2 else rng.normal(size=n)
        expected = roc_auc_score(y, score)
        assert _separation_auc(y, score) == pytest.approx(max(expected, 1 - expected), abs=1e-12)


def refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was parsed before its limits were checked")

    monkeypatch.setattr(loading.pd, "read_csv", parse)
    monkeypatch.setattr(loading.pd, "read_parquet", parse)


@pytest.mark.parametrize(
    ("limits", "error", "variable"),
    [
        (TableLimits(max_columns=100), TooManyColumns, "READINESS_MAX_COLUMNS"),
        (TableLimits(max_rows=59), TooManyRows, "READINESS_MAX_ROWS"),
        (
            TableLimits(max_decompressed_bytes=60 * 501 * 8 - 1),
            TooLargeDecompressed,
            "READINESS_MAX_DECOMPRESSED_MB",
        ),
    ],
)
def test_a_csv_past_a_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: TableLimits, error: type, variable: str
) -> None:
    path = write_wide(tmp_path / "wide.csv", columns=500)
    refuse_parsing(monkeypatch)
    with pytest.raises(error) as refused:
        load_dataset(path, target="target", limits=limits)
    assert variable in refused.value.detail and refused.value.http_status == 413


def test_a_csv_at_its_limits_is_read(tmp_path: Path) -> None:
    path = write_wide(tmp_path / "wide.csv", columns=500)
    limits = TableLimits(max_columns=501, max_rows=60, max_decompressed_bytes=60 * 501 * 8)
    assert load_dataset(path, target="target", limits=limits).features.shape == (60, 500)


def test_a_small_parquet_file_that_expands_is_refused_from_its_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = 1_000_000
    path = tmp_path / "expands.parquet"
    pq.write_table(
        pa.table({"x": np.zeros(rows), "target": np.tile(np.array(["yes", "no"]), rows // 2)}),
        path,
        compression="zstd",
    )
    assert path.stat().st_size < 50_000
    refuse_parsing(monkeypatch)
    with pytest.raises(TooManyRows):
        load_dataset(path, target="target", limits=TableLimits(max_rows=rows - 1))
    with pytest.raises(TooLargeDecompressed) as refused:
        load_dataset(path, target="target", limits=TableLimits(max_decompressed_bytes=rows * 2 * 8 - 1))
    assert "READINESS_MAX_DECOMPRESSED_MB" in refused.value.detail
