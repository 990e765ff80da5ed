"""The one data preparation: what an assessment, an experiment and an upload see of the same data."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.factories import churn_frame, write_csv
from workers import preparation
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file, run_assessment
from workers.assessment.store import InMemoryStore
from workers.data import loading
from workers.data.dataset import Dataset
from workers.data.loading import load_dataset
from workers.errors import InvalidOption, NoUsableFeatures
from workers.experiments.data import experiment_data
from workers.preparation import Prepared, examine, prepare, reusing
from workers.split import DEFAULT_SEED

SEED = 77


def _config(**overrides: object) -> AssessmentConfig:
    settings: dict = {
        "target": "churned",
        "seed": SEED,
        "device": "cpu",
        "n_resamples": 50,
        "run_deep": False,
        "learning_curve": False,
        "n_jobs": 1,
    }
    settings.update(overrides)
    return AssessmentConfig(**settings)


@pytest.fixture(scope="module")
def churn(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    path = write_csv(churn_frame(500, seed=9), tmp_path_factory.mktemp("prep"))
    return load_dataset(path, target="churned")


def _leaky_ids_only(tmp_path: Path) -> Dataset:
    """Only an ID column and a leak: the checks leave nothing to learn from."""
    frame = churn_frame(300)
    frame = frame[["customer_id", "churned"]].assign(
        refund=np.where(frame["churned"] == "yes", 10.0, 0.0)
        + np.random.default_rng(0).uniform(0, 1, len(frame))
    )
    return load_dataset(write_csv(frame, tmp_path), target="churned")


def test_the_assessment_and_an_experiment_see_the_prepared_rows_and_columns(churn: Dataset) -> None:
    prepared = prepare(churn, seed=SEED)
    store = InMemoryStore()
    run_assessment(churn, _config(), store)
    assert store.stages["split"]["split"].split_id == prepared.split.split_id
    assert store.stages["checks"]["findings"] == prepared.findings_dicts()
    assert store.stages["checks"]["excluded"] == prepared.excluded == {"customer_id": "id column"}
    assert store.stages["checks"]["used_columns"] == prepared.used_columns
    assert store.stages["profile"]["dataset"] == prepared.profile.to_dict()
    data = experiment_data(churn, seed=SEED)
    assert (data.split_hash, data.used_columns, data.excluded) == (
        prepared.split.split_id,
        prepared.used_columns,
        prepared.excluded,
    )
    assert list(data.train_frame.columns) == prepared.used_columns


def test_a_prepared_dataset_pickles_whole(churn: Dataset) -> None:
    prepared = prepare(churn, seed=SEED)
    again = pickle.loads(pickle.dumps(prepared))
    assert np.array_equal(again.split.assignment, prepared.split.assignment)
    assert again.findings == prepared.findings and again.profile == prepared.profile
    assert (again.excluded, again.used_columns, again.seed) == (
        prepared.excluded,
        prepared.used_columns,
        SEED,
    )


def test_a_stored_preparation_is_used_instead_of_splitting_and_checking_again(
    churn: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = prepare(churn, seed=SEED)
    asked: list[tuple[int, tuple[str, ...]]] = []

    def from_store(dataset: Dataset, *, seed: int, keep_columns: Sequence[str] = ()) -> Prepared:
        asked.append((seed, tuple(keep_columns)))
        return stored

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("split or checked again")

    monkeypatch.setattr(preparation, "make_split", refused)
    monkeypatch.setattr(preparation, "run_checks", refused)
    report = run_assessment(churn, _config(), InMemoryStore(), prepare_data=from_store)
    data = experiment_data(churn, seed=SEED, prepare_data=from_store)
    assert asked == [(SEED, ()), (SEED, ())]  # once per run, not once per stage
    assert report["split"]["split_id"] == data.split_hash == stored.split.split_id


def test_a_resumed_assessment_past_the_checks_does_not_prepare_again(churn: Dataset) -> None:
    first = InMemoryStore()
    run_assessment(churn, _config(), first)
    saved = {name: first.stages[name] for name in ("profile", "split", "checks")}

    def must_not_run(dataset: Dataset, *, seed: int, keep_columns: Sequence[str] = ()) -> Prepared:
        raise AssertionError("prepared again on resume")

    resumed = run_assessment(churn, _config(), InMemoryStore(stages=saved), prepare_data=must_not_run)
    assert resumed["split"]["split_id"] == first.stages["split"]["split"].split_id


def test_each_column_is_profiled_once_per_assessment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profiled: list[str] = []
    original = loading.profile_column

    def counting(name: str, series):  # type: ignore[no-untyped-def]
        profiled.append(name)
        return original(name, series)

    monkeypatch.setattr(loading, "profile_column", counting)
    frame = churn_frame(400, seed=1)
    assess_file(write_csv(frame, tmp_path), _config(), InMemoryStore())
    assert sorted(profiled) == sorted(c for c in frame.columns if c != "churned")


def test_a_kept_column_that_is_not_a_feature_is_refused(churn: Dataset) -> None:
    with pytest.raises(InvalidOption, match="not features of this file: 'churned', 'nope'"):
        prepare(churn, seed=SEED, keep_columns=("churned", "nope"))


def test_a_table_of_identifiers_has_nothing_to_learn_from(tmp_path: Path) -> None:
    frame = churn_frame(300)[["customer_id", "churned"]].assign(order=np.arange(300))
    dataset = load_dataset(write_csv(frame, tmp_path), target="churned")
    with pytest.raises(NoUsableFeatures, match="No column can be learned from: 'customer_id' \\(id\\)"):
        prepare(dataset, seed=DEFAULT_SEED)


def test_checks_that_leave_no_column_fail_the_preparation_but_not_the_look_at_an_upload(
    tmp_path: Path,
) -> None:
    dataset = _leaky_ids_only(tmp_path)
    with pytest.raises(NoUsableFeatures, match="Every column was left out: 'customer_id' \\(id column\\)"):
        prepare(dataset, seed=DEFAULT_SEED)
    looked = examine(dataset, seed=DEFAULT_SEED)
    assert looked.used_columns == [] and set(looked.excluded) == {"customer_id", "refund"}
    kept = prepare(dataset, seed=DEFAULT_SEED, keep_columns=["refund"])
    assert kept.used_columns == ["refund"] and kept.keep_columns == ("refund",)


def test_a_stored_look_at_an_upload_is_reused_only_for_what_it_answers(
    churn: Dataset, tmp_path: Path
) -> None:
    at_upload = examine(churn, seed=DEFAULT_SEED)
    reuse = reusing(at_upload)
    assert reuse(churn, seed=DEFAULT_SEED) is at_upload
    other_seed = reuse(churn, seed=SEED)
    assert other_seed.split.split_id == prepare(churn, seed=SEED).split.split_id != at_upload.split.split_id
    assert reuse(churn, seed=DEFAULT_SEED, keep_columns=["customer_id"]).used_columns[0] == "customer_id"
    leaky = _leaky_ids_only(tmp_path)
    with pytest.raises(NoUsableFeatures, match="Every column was left out"):
        reusing(examine(leaky, seed=DEFAULT_SEED))(leaky, seed=DEFAULT_SEED)
