"""Splits that respect time and groups: a file with dates is split in time order by default, the time check
says what a random split would leak, and a group column keeps every entity in one part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.factories import churn_frame, write_csv
from workers.data.dataset import Dataset
from workers.data.loading import load_dataset
from workers.errors import InvalidOption
from workers.ordered_split import TooFewGroups
from workers.preparation import prepare
from workers.split import TEST, TRAIN, VALIDATION, SplitOptions, SplitTooSmall
from workers.time_column import BadTimeColumn

SEED = 5


def dated_frame(n: int = 600, *, drift: bool = True, seed: int = 0) -> pd.DataFrame:
    """Two rows a day (ties at every boundary), a customer column of 40 entities, and — with `drift` — a
    positive rate that climbs from ~15% to ~60% over the year while the feature `x` shifts."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=n // 2, freq="D").repeat(2)
    trend = np.linspace(0, 1, n) if drift else np.zeros(n)
    x = rng.normal(size=n) + 2 * trend
    rate = 0.15 + 0.45 * trend if drift else np.full(n, 0.3)
    y = rng.random(n) < np.clip(rate + 0.1 * np.tanh(x - trend), 0.02, 0.98)
    frame = pd.DataFrame(
        {
            "signup_date": days.strftime("%Y-%m-%d"),
            "x": x,
            "z": rng.normal(size=n),
            "customer": np.char.add("c", rng.integers(0, 40, n).astype(str)),
            "churned": np.where(y, "yes", "no"),
        }
    )
    # Shuffled: the file's row order must not be what orders the split.
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _load(tmp_path: Path, frame: pd.DataFrame) -> Dataset:
    return load_dataset(write_csv(frame, tmp_path), target="churned", positive="yes")


def test_a_file_with_dates_is_split_in_time_order_by_default(tmp_path: Path) -> None:
    frame = dated_frame()
    prepared = prepare(_load(tmp_path, frame), seed=SEED)
    split = prepared.split
    assert split.method == "time_ordered" and split.time_column == "signup_date"
    dates = pd.to_datetime(frame["signup_date"]).to_numpy()
    train, validation, test = (dates[split.indices(part)] for part in (TRAIN, VALIDATION, TEST))
    assert train.max() <= validation.min() and validation.max() <= test.min()
    # Two rows share every date: a date is never cut in two, so the order is strict between parts.
    assert train.max() < validation.min() and validation.max() < test.min()
    assert split.sizes == {"train": 360, "validation": 120, "test": 120}
    assert split.to_dict()["method"] == "time_ordered"
    assert split.date_ranges is not None
    assert split.date_ranges["train"]["first"] == "2023-01-01"
    assert split.date_ranges["test"]["last"] == "2023-10-27"
    assert "signup_date" not in prepared.used_columns
    assert prepared.excluded["signup_date"] == "the split's time column"
    # The same bytes give the same split whatever the seed: time decides, not a shuffle.
    assert (
        prepare(_load(tmp_path, frame), seed=SEED + 1).split.assignment.tolist() == split.assignment.tolist()
    )


def test_a_drifting_label_rate_is_reported_with_its_size_and_interval(tmp_path: Path) -> None:
    prepared = prepare(_load(tmp_path, dated_frame(drift=True)), seed=SEED)
    [label] = [f for f in prepared.findings if f.check == "label_drift"]
    assert label.severity == "warning" and label.value is not None and label.value > 0.2
    assert "95% CI" in label.message and "newest 20%" in label.message
    [features] = [f for f in prepared.findings if f.check == "feature_drift"]
    assert features.columns[0] == "x"
    rates = [float(str(p["rate"])) for p in prepared.split.label_rate_by_period or []]
    assert len(rates) == 8 and rates[-1] > rates[0] + 0.2

    steady = prepare(_load(tmp_path, dated_frame(drift=False)), seed=SEED)
    assert not [f for f in steady.findings if f.check in ("label_drift", "feature_drift")]


def test_asking_for_a_random_split_overrides_the_time_order_and_says_what_it_leaks(tmp_path: Path) -> None:
    prepared = prepare(_load(tmp_path, dated_frame()), seed=SEED, split_options=SplitOptions(method="random"))
    assert prepared.split.method == "stratified_random"
    assert prepared.split.note is not None and "random split, as asked" in prepared.split.note
    [label] = [f for f in prepared.findings if f.check == "label_drift"]
    assert "A random split mixes the periods" in label.message


def test_a_numeric_id_is_not_taken_for_a_date(tmp_path: Path) -> None:
    frame = churn_frame(300)
    frame.insert(0, "order_id", np.arange(20240101, 20240401))
    prepared = prepare(load_dataset(write_csv(frame, tmp_path), target="churned"), seed=SEED)
    assert prepared.split.method == "stratified_random" and prepared.split.time_column is None


def test_a_named_time_column_of_numbers_orders_the_split(tmp_path: Path) -> None:
    frame = churn_frame(300)
    frame["year"] = np.repeat(np.arange(2000, 2030), 10).astype(float) + 0.5
    dataset = load_dataset(write_csv(frame, tmp_path), target="churned")
    split = prepare(dataset, seed=SEED, split_options=SplitOptions(time_column="year")).split
    assert split.method == "time_ordered"
    years = frame["year"].to_numpy()
    assert years[split.indices(TRAIN)].max() < years[split.indices(TEST)].min()


def test_a_group_column_keeps_every_entity_in_one_part(tmp_path: Path) -> None:
    frame = dated_frame()
    options = SplitOptions(group_column="customer")
    prepared = prepare(_load(tmp_path, frame), seed=SEED, split_options=options)
    split = prepared.split
    assert split.method == "group" and split.group_column == "customer"
    parts = pd.Series(split.assignment).groupby(frame["customer"].to_numpy()).nunique()
    assert (parts == 1).all()
    assert all(abs(split.sizes[name] - share * 600) <= 60 for name, share in (("train", 0.6), ("test", 0.2)))
    assert "customer" not in prepared.used_columns
    again = prepare(_load(tmp_path, frame), seed=SEED, split_options=options).split
    assert again.assignment.tolist() == split.assignment.tolist()


def test_split_options_that_cannot_be_followed_are_refused(tmp_path: Path) -> None:
    dataset = _load(tmp_path, dated_frame())
    with pytest.raises(InvalidOption, match="Did you mean 'customer'") as unknown:
        prepare(dataset, seed=SEED, split_options=SplitOptions(group_column="custome"))
    assert unknown.value.field == "group_column"
    few = dated_frame()
    few["customer"] = np.where(few.index % 2 == 0, "a", "b")
    with pytest.raises(TooFewGroups, match="2 distinct values"):
        prepare(_load(tmp_path, few), seed=SEED, split_options=SplitOptions(group_column="customer"))
    with pytest.raises(BadTimeColumn):
        prepare(dataset, seed=SEED, split_options=SplitOptions(time_column="customer"))
    with pytest.raises(InvalidOption, match="not both"):
        SplitOptions(time_column="signup_date", group_column="customer")
    with pytest.raises(InvalidOption, match="split must be one of"):
        SplitOptions(method="chronological")


def test_found_dates_that_cannot_be_split_in_time_fall_back_to_random_but_named_ones_are_refused(
    tmp_path: Path,
) -> None:
    frame = dated_frame(drift=False)
    newest = pd.to_datetime(frame["signup_date"]) >= pd.Timestamp("2023-09-01")
    frame["churned"] = np.where(newest & (frame.index % 2 == 0), "yes", "no")  # no positive before September
    dataset = _load(tmp_path, frame)
    prepared = prepare(dataset, seed=SEED)
    assert prepared.split.method == "stratified_random"
    assert prepared.split.note is not None and "cannot be made" in prepared.split.note
    with pytest.raises(SplitTooSmall, match="train has no rows of class 'yes'"):
        prepare(dataset, seed=SEED, split_options=SplitOptions(time_column="signup_date"))
