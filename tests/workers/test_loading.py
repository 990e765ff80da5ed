"""Loading real files: types, labels, and every user mistake as a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.factories import churn_frame, write_csv
from workers.data.loading import load_dataset
from workers.errors import (
    ClassTooSmall,
    EmptyDataset,
    FileMissing,
    FileTooLarge,
    RegressionNotSupported,
    SingleClassTarget,
    UnknownPositiveLabel,
    UnknownTarget,
    UnreadableFile,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_yes_no_labels_make_yes_the_positive_class(tmp_path: Path) -> None:
    dataset = load_dataset(write_csv(churn_frame(), tmp_path), target="churned")
    assert dataset.classes == ["no", "yes"]
    assert dataset.positive_label == "yes"
    frame = churn_frame()
    assert dataset.positive_rate == pytest.approx((frame["churned"] == "yes").mean())


def test_column_kinds_are_inferred(tmp_path: Path) -> None:
    dataset = load_dataset(write_csv(churn_frame(), tmp_path), target="churned")
    kinds = {name: profile.kind for name, profile in dataset.columns.items()}
    assert kinds == {
        "customer_id": "id",
        "tenure_months": "numeric",
        "plan": "categorical",
        "region": "categorical",
        "monthly_charges": "numeric",
    }
    assert dataset.columns["monthly_charges"].missing_fraction > 0
    assert dataset.trainable_columns() == ["tenure_months", "plan", "region", "monthly_charges"]


def test_named_positive_class_and_case_insensitive_target(tmp_path: Path) -> None:
    dataset = load_dataset(write_csv(churn_frame(), tmp_path), target="CHURNED", positive="no")
    assert dataset.target == "churned"
    assert dataset.classes == ["yes", "no"]
    assert dataset.positive_label == "no"


def test_zero_one_labels_and_boolean_features(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"x": rng.normal(size=200), "flag": rng.choice(["Yes", "No"], 200), "label": rng.integers(0, 2, 200)}
    )
    dataset = load_dataset(write_csv(frame, tmp_path), target="label")
    assert dataset.classes == ["0", "1"]
    assert dataset.columns["flag"].kind == "boolean"
    assert set(dataset.features["flag"].unique()) == {0.0, 1.0}


def test_the_rarer_class_is_positive_when_labels_say_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": range(100), "kind": ["cat"] * 70 + ["dog"] * 30})
    dataset = load_dataset(write_csv(frame, tmp_path), target="kind")
    assert dataset.positive_label == "dog"
    assert any("--positive" in note for note in dataset.notes)


def test_rows_without_a_label_are_dropped_and_said(tmp_path: Path) -> None:
    frame = churn_frame(200)
    frame.loc[:4, "churned"] = np.nan
    dataset = load_dataset(write_csv(frame, tmp_path), target="churned")
    assert dataset.n_rows == 195
    assert any("5 row(s)" in note for note in dataset.notes)


def test_semicolon_csv_and_parquet_load_alike(tmp_path: Path) -> None:
    frame = churn_frame(200)
    semicolon = tmp_path / "data_semicolon.csv"
    frame.to_csv(semicolon, index=False, sep=";")
    parquet = tmp_path / "data.parquet"
    frame.to_parquet(parquet)
    a = load_dataset(semicolon, target="churned")
    b = load_dataset(parquet, target="churned")
    assert a.n_rows == b.n_rows == 200
    np.testing.assert_array_equal(a.y, b.y)
    assert a.columns["plan"].kind == b.columns["plan"].kind == "categorical"


def test_multiclass_target(tmp_path: Path) -> None:
    dataset = load_dataset(EXAMPLES / "penguins_raw.csv", target="Species")
    assert dataset.n_classes == 3
    assert dataset.positive_label is None


def test_the_messy_example_profiles_as_a_person_would_read_it() -> None:
    dataset = load_dataset(EXAMPLES / "penguins_raw.csv", target="Clutch Completion", positive="No")
    kinds = {name: profile.kind for name, profile in dataset.columns.items()}
    assert kinds["Region"] == "constant"
    assert kinds["Individual ID"] == "id"
    assert kinds["Species"] == "categorical"
    assert kinds["Body Mass (g)"] == "numeric"
    assert dataset.class_counts == {"Yes": 308, "No": 36}


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"", EmptyDataset, "empty"),
        (b"a,b,label\n", EmptyDataset, "no data rows"),
        (b"\x00\x01\x02binary\x00", UnreadableFile, "binary"),
        (b'a,b,label\n1,2,"unterminated\n', UnreadableFile, "could not be parsed"),
        (b"just one column\n1\n2\n", UnreadableFile, "single column"),
    ],
)
def test_unreadable_files_say_what_is_wrong(tmp_path: Path, content: bytes, error: type, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(error, match=words):
        load_dataset(path, target="label")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileMissing, match="No such file"):
        load_dataset(tmp_path / "nope.csv", target="label")


def test_file_over_the_limit(tmp_path: Path) -> None:
    path = write_csv(churn_frame(), tmp_path)
    with pytest.raises(FileTooLarge, match="limit"):
        load_dataset(path, target="churned", max_bytes=1000)


def test_unknown_target_suggests_the_close_name(tmp_path: Path) -> None:
    with pytest.raises(UnknownTarget, match="Did you mean 'churned'"):
        load_dataset(write_csv(churn_frame(), tmp_path), target="churn")


def test_unknown_positive_label_lists_the_values(tmp_path: Path) -> None:
    with pytest.raises(UnknownPositiveLabel, match=r"'no', 'yes'|'yes', 'no'"):
        load_dataset(write_csv(churn_frame(), tmp_path), target="churned", positive="maybe")


def test_single_class_target(tmp_path: Path) -> None:
    frame = churn_frame(100).assign(churned="yes")
    with pytest.raises(SingleClassTarget, match="single class"):
        load_dataset(write_csv(frame, tmp_path), target="churned")


def test_class_with_fewer_than_ten_rows(tmp_path: Path) -> None:
    frame = churn_frame(200).assign(churned=["yes"] * 5 + ["no"] * 195)
    with pytest.raises(ClassTooSmall, match="'yes' \\(5 rows\\)"):
        load_dataset(write_csv(frame, tmp_path), target="churned")


def test_continuous_target_is_refused_as_regression(tmp_path: Path) -> None:
    with pytest.raises(RegressionNotSupported, match=r"regression|classification"):
        load_dataset(write_csv(churn_frame(), tmp_path), target="monthly_charges")
