"""Procedures and fingerprints: what changes the result changes the fingerprint, and nothing else does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workers.errors import InvalidOption
from workers.experiments.procedure import Procedure, canonical_json, fingerprint, package_versions

SHA = "ab" * 32
VERSIONS = {
    "readiness": "0.1.0",
    "numpy": "2.0.0",
    "scikit-learn": "1.5.0",
    "xgboost": "2.1.0",
    "torch": "2.3",
}


def _procedure(**changes: Any) -> Procedure:
    fields: dict[str, Any] = {
        "dataset_sha256": SHA,
        "split_seed": 7,
        "family": "xgboost",
        "hyperparameters": {"max_depth": 4, "learning_rate": 0.1},
        "train_fraction": 0.5,
        "seed": 11,
        "target": "churned",
        "positive_label": "yes",
        "versions": VERSIONS,
    }
    fields.update(changes)
    return Procedure(**fields)


@pytest.mark.parametrize(
    "change",
    [
        {"hyperparameters": {"max_depth": 5, "learning_rate": 0.1}},
        {"hyperparameters": {"max_depth": 4, "learning_rate": 0.1, "subsample": 0.8}},
        {"seed": 12},
        {"split_seed": 8},
        {"train_fraction": 0.25},
        {"dataset_sha256": "cd" * 32},
        {"family": "random_forest", "hyperparameters": {}},
        {"keep_columns": ("customer_id",)},
        {"target": "plan"},
        {"positive_label": "no"},
        {"versions": {**VERSIONS, "xgboost": "3.0.0"}},
    ],
)
def test_what_decides_the_result_changes_the_fingerprint(change: dict[str, Any]) -> None:
    assert fingerprint(_procedure(**change)) != fingerprint(_procedure())


def test_key_order_ints_as_floats_and_default_values_do_not_change_it() -> None:
    reference = fingerprint(_procedure())
    assert fingerprint(_procedure(hyperparameters={"learning_rate": 0.1, "max_depth": 4})) == reference
    assert fingerprint(
        _procedure(hyperparameters={"max_depth": 4.0, "learning_rate": 0.10000000000000001})
    ) == (reference)
    assert fingerprint(
        _procedure(hyperparameters={"max_depth": 4, "learning_rate": 0.1, "subsample": 0.9})
    ) == (reference)
    assert fingerprint(_procedure(train_fraction=1 / 2)) == reference
    versions_reordered = dict(reversed(list(VERSIONS.items())))
    assert fingerprint(_procedure(versions=versions_reordered)) == reference
    assert fingerprint(_procedure(family="logistic_regression", hyperparameters={"C": 1})) == fingerprint(
        _procedure(family="logistic_regression", hyperparameters={"C": 1.0})
    )


def test_the_fingerprint_is_the_same_before_and_after_the_data_is_prepared() -> None:
    before = _procedure(keep_columns=("b", "a"))
    after = _procedure(keep_columns=("a", "b"), split_hash="0123456789abcdef", used_columns=("z", "a"))
    assert after.used_columns == ("a", "z") and after.keep_columns == ("a", "b")
    assert fingerprint(before) == fingerprint(after)
    assert "split_hash" not in canonical_json(after)


def test_canonical_json_is_compact_sorted_and_stable() -> None:
    text = canonical_json(_procedure())
    assert " " not in text and "\n" not in text
    parsed = json.loads(text)
    assert list(parsed) == sorted(parsed)
    assert parsed["hyperparameters"]["learning_rate"] == 0.1 and '"learning_rate":0.1,' in text
    assert fingerprint(_procedure()) == fingerprint(_procedure())
    assert len(fingerprint(_procedure())) == 64


def test_json_round_trip_and_extra_keys_ignored() -> None:
    procedure = _procedure(split_hash="0123456789abcdef", used_columns=("a", "b"))
    stored = json.loads(json.dumps({**procedure.to_json(), "device": "cuda"}))
    again = Procedure.from_json(stored)
    assert again == procedure
    assert Procedure.from_json(json.dumps(procedure.to_json())) == procedure
    assert fingerprint(again) == fingerprint(procedure)


def test_procedure_completes_and_checks_its_fields() -> None:
    procedure = _procedure(family="deep", hyperparameters={"d_main": 64})
    assert procedure.hyperparameters["d_hidden"] == 128 and procedure.hyperparameters["max_epochs"] == 100
    for bad in ({"train_fraction": 0}, {"train_fraction": 1.5}, {"seed": -1}, {"split_seed": True}):
        with pytest.raises(InvalidOption):
            _procedure(**bad)
    with pytest.raises(InvalidOption, match="no hyperparameter 'depth'"):
        _procedure(hyperparameters={"depth": 3})
    with pytest.raises(InvalidOption, match="Not a procedure"):
        Procedure.from_json({"dataset_sha256": SHA})


def test_package_versions_name_the_libraries_that_decide_the_numbers() -> None:
    versions = package_versions()
    assert set(versions) == {"readiness", "numpy", "scikit-learn", "xgboost", "torch"}
    assert all(isinstance(v, str) for v in versions.values())
    versions["numpy"] = "changed"
    assert package_versions()["numpy"] != "changed"  # a caller's copy, not the cache
    assert (
        Procedure(dataset_sha256=SHA, split_seed=1, family="deep", hyperparameters={}).versions
        == package_versions()
    )
