"""A dataset parsed once and read back: the same table, profiles and labels, and the same assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file, run_assessment
from workers.assessment.store import InMemoryStore
from workers.data import loading, profiling
from workers.data.dataset import Dataset
from workers.data.loading import load_dataset
from workers.data.parsed import LABEL_COLUMN, read_parsed, write_parsed
from workers.errors import UnreadableFile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _round_trip(dataset: Dataset, tmp_path: Path) -> Dataset:
    path = tmp_path / "parsed.parquet"
    write_parsed(dataset, path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("parsed")] == ["parsed.parquet"]
    return read_parsed(path)


def _assert_same(read: Dataset, original: Dataset) -> None:
    pd.testing.assert_frame_equal(read.features, original.features)
    assert read.y.dtype == original.y.dtype and np.array_equal(read.y, original.y)
    assert read.columns == original.columns and list(read.columns) == list(original.columns)
    for name in ("classes", "target", "positive_label", "sha256", "source", "file_bytes", "notes"):
        assert getattr(read, name) == getattr(original, name), name


@pytest.mark.parametrize(
    ("file", "target", "positive"),
    [("penguins_raw.csv", "Species", None), ("penguins_raw.csv", "Clutch Completion", "No")],
)
def test_a_real_file_reads_back_as_the_same_dataset(
    tmp_path: Path, file: str, target: str, positive: str | None
) -> None:
    original = load_dataset(EXAMPLES / file, target=target, positive=positive)
    _assert_same(_round_trip(original, tmp_path), original)


def test_missing_values_notes_and_a_column_named_like_the_labels_survive(tmp_path: Path) -> None:
    frame = churn_frame(300, seed=2)
    frame[LABEL_COLUMN] = np.arange(len(frame)) % 3  # a feature may be called anything
    frame.loc[[3, 7], "churned"] = np.nan  # rows without a label are left out, with a note
    original = load_dataset(write_csv(frame, tmp_path), target="churned", name="customers.csv")
    read = _round_trip(original, tmp_path)
    _assert_same(read, original)
    assert read.notes and read.source == "customers.csv" and LABEL_COLUMN in read.features


def test_reading_it_back_parses_and_profiles_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = load_dataset(write_csv(churn_frame(200), tmp_path), target="churned")
    path = tmp_path / "parsed.parquet"
    write_parsed(original, path)
    calls: list[str] = []
    monkeypatch.setattr(loading, "read_table", lambda *a, **k: calls.append("parse"))
    monkeypatch.setattr(loading, "profile_column", lambda *a, **k: calls.append("profile"))
    monkeypatch.setattr(profiling, "infer_kind", lambda *a, **k: calls.append("infer"))
    read_parsed(path)
    assert calls == []


def test_a_file_that_is_not_a_parsed_dataset_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.parquet"
    churn_frame(50).to_parquet(plain)
    with pytest.raises(UnreadableFile, match="not a dataset written by Readiness"):
        read_parsed(plain)
    with pytest.raises(UnreadableFile):
        read_parsed(tmp_path / "absent.parquet")


def _numbers(report: dict[str, Any]) -> dict[str, Any]:
    """What a user reads off a report, without the timings (which differ from run to run)."""
    return {
        "dataset": report["dataset"],
        "checks": report["checks"],
        "split": report["split"],
        "models": [{key: model[key] for key in ("name", "validation", "test")} for model in report["models"]],
        "verdict": report["verdict"],
        "readiness": report["readiness"],
    }


def test_an_assessment_of_the_read_back_dataset_reports_the_same_numbers(tmp_path: Path) -> None:
    csv = write_csv(churn_frame(600, seed=5), tmp_path)
    config = AssessmentConfig(
        target="churned", device="cpu", n_resamples=100, run_deep=False, learning_curve=False, n_jobs=1
    )
    from_csv = assess_file(csv, config, InMemoryStore())
    read = _round_trip(load_dataset(csv, target="churned"), tmp_path)
    from_parsed = run_assessment(read, config, InMemoryStore())
    assert _numbers(from_parsed) == _numbers(from_csv)
    assert from_parsed["dataset"]["sha256"] == from_csv["dataset"]["sha256"]
