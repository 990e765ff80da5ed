"""Hyperparameter grids: expansion, ranges, ties, repeats dropped, and every bad spec named."""

from __future__ import annotations

from typing import Any

import pytest

from workers.errors import InvalidOption, UnknownModelFamily
from workers.experiments.families import FAMILIES, default_hyperparameters
from workers.experiments.grid import MAX_GRID_POINTS, default_grid, expand_grid, load_grid_spec


def test_cartesian_product_in_spec_order_with_defaults_filled() -> None:
    points = expand_grid("xgboost", {"max_depth": [3, 6], "learning_rate": [0.05, 0.1, 0.2]})
    assert [(p["max_depth"], p["learning_rate"]) for p in points] == [
        (3, 0.05), (3, 0.1), (3, 0.2), (6, 0.05), (6, 0.1), (6, 0.2)
    ]  # fmt: skip
    assert all(p["subsample"] == 0.9 and p["n_estimators"] == 2000 for p in points)
    assert expand_grid("xgboost", {}) == [default_hyperparameters("xgboost")]


def test_log_range_is_geometric_with_both_ends() -> None:
    points = expand_grid("logistic_regression", {"C": {"log_range": [0.01, 100], "count": 5}})
    assert [p["C"] for p in points] == [0.01, 0.1, 1.0, 10.0, 100.0]
    assert [p["C"] for p in expand_grid("logistic_regression", {"C": {"log_range": [2, 2], "count": 1}})] == [
        2.0
    ]


def test_integer_ranges_round_and_drop_repeats() -> None:
    linear = expand_grid("random_forest", {"min_samples_leaf": {"range": [1, 4], "count": 7}})
    assert [p["min_samples_leaf"] for p in linear] == [1, 2, 3, 4]  # 1, 1.5, 2, 2.5, ... rounded half up
    assert all(isinstance(p["min_samples_leaf"], int) for p in linear)
    geometric = expand_grid("deep", {"d_main": {"log_range": [32, 256], "count": 4}})
    assert [p["d_main"] for p in geometric] == [32, 64, 128, 256]
    floats = expand_grid("xgboost", {"subsample": {"range": [0.5, 1.0], "count": 3}})
    assert [p["subsample"] for p in floats] == [0.5, 0.75, 1.0]


def test_repeated_values_and_equal_spellings_are_one_point() -> None:
    points = expand_grid("logistic_regression", {"C": [1, 1.0, "1", 0.5, 0.5]})
    assert [p["C"] for p in points] == [1.0, 0.5]
    # A value equal to the default and the default itself are one point too.
    assert len(expand_grid("xgboost", {"max_depth": [6], "subsample": [0.9]})) == 1


def test_d_hidden_follows_d_main_unless_named() -> None:
    tied = expand_grid("deep", {"d_main": [64, 128]})
    assert [(p["d_main"], p["d_hidden"]) for p in tied] == [(64, 128), (128, 256)]
    free = expand_grid("deep", {"d_main": [64, 128], "d_hidden": [100]})
    assert [(p["d_main"], p["d_hidden"]) for p in free] == [(64, 100), (128, 100)]


def test_default_grids_are_small_and_hold_the_assessments_model() -> None:
    for family in FAMILIES:
        points = expand_grid(family, default_grid(family))
        assert 2 <= len(points) <= 12
        assert default_hyperparameters(family) in points
    deep = expand_grid("deep", default_grid("deep"))
    assert {p["d_main"] for p in deep} == {64, 128, 256} and {p["n_blocks"] for p in deep} == {1, 2, 3}
    assert all(p["d_hidden"] == 2 * p["d_main"] and p["lr"] is None for p in deep)
    assert [p["C"] for p in expand_grid("logistic_regression", default_grid("logistic_regression"))] == [
        0.01, 0.1, 1.0, 10.0, 100.0
    ]  # fmt: skip
    grid = default_grid("deep")
    grid["d_main"].append(512)
    assert 512 not in default_grid("deep")["d_main"]  # each call is a fresh copy


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"C": []}, "Grid key 'C': the list of values is empty"),
        ({"C": {"log_range": [0.1, 1], "count": 0}}, "Grid key 'C': count must be an integer from 1 to 256"),
        ({"C": {"log_range": [0.1, 1], "count": 2.5}}, "Grid key 'C': count must be an integer"),
        ({"C": {"log_range": [10, 1], "count": 3}}, "Grid key 'C': log_range needs low <= high"),
        ({"C": {"range": [1, 0.5], "count": 3}}, "Grid key 'C': range needs low <= high"),
        ({"C": {"log_range": [0, 1], "count": 3}}, "Grid key 'C': log_range needs positive ends"),
        ({"C": {"log_range": [-1, 1], "count": 3}}, "Grid key 'C': log_range needs positive ends"),
        ({"C": {"log_range": [1], "count": 3}}, "Grid key 'C': log_range must be [low, high]"),
        ({"C": {"log_range": [1, "x"], "count": 3}}, "Grid key 'C': log_range must be [low, high]"),
        ({"C": {"log_range": [1, 2]}}, "Grid key 'C': a range is"),
        ({"C": {"range": [1, 2], "log_range": [1, 2], "count": 2}}, "Grid key 'C': a range is"),
        ({"C": {"range": [1, 2], "count": 2, "step": 1}}, "Grid key 'C': a range is"),
        ({"C": [1, -1]}, "Grid key 'C': logistic_regression hyperparameter C must be a number in (0,"),
        ({"C": {"range": [0, 1], "count": 3}}, "Grid key 'C': logistic_regression hyperparameter C must be"),
        ({"penalty": ["l1"]}, "Grid key 'penalty': logistic_regression has no hyperparameter 'penalty'"),
    ],
)
def test_bad_specs_name_the_offending_key(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        expand_grid("logistic_regression", spec)
    assert expected in caught.value.detail


def test_too_many_points_names_the_keys_and_sizes() -> None:
    spec = {
        "max_depth": {"range": [1, 32], "count": 32},
        "learning_rate": {"log_range": [0.01, 1], "count": 9},
    }
    with pytest.raises(InvalidOption) as caught:
        expand_grid("xgboost", spec)
    message = caught.value.detail
    assert "288 points" in message and "max_depth (32) × learning_rate (9)" in message
    assert f"at most {MAX_GRID_POINTS}" in message
    assert len(expand_grid("xgboost", {**spec, "learning_rate": {"log_range": [0.01, 1], "count": 8}})) == 256


def test_a_spec_that_is_not_a_mapping_and_an_unknown_family_are_refused() -> None:
    with pytest.raises(InvalidOption, match="maps hyperparameter names"):
        expand_grid("xgboost", [("max_depth", [3])])  # type: ignore[arg-type]
    with pytest.raises(UnknownModelFamily):
        expand_grid("lightgbm", {})


def test_load_grid_spec_validates_a_yaml_mapping() -> None:
    loaded = load_grid_spec({"family": "random_forest", "grid": {"min_samples_leaf": [1, 5]}})
    assert loaded.family == "random_forest" and len(loaded.points) == 2
    assert load_grid_spec({"family": "deep"}).grid == default_grid("deep")
    for bad, expected in [
        ([], "A grid spec is a mapping"),
        ({"grid": {}}, "needs a 'family'"),
        ({"family": "deep", "grid": {}, "seed": 1}, "unknown: seed"),
        ({"family": "deep", "grid": ["d_main"]}, "maps hyperparameter names"),
        ({"family": "deep", "grid": {"width": [1]}}, "Grid key 'width'"),
    ]:
        with pytest.raises(InvalidOption, match=expected):
            load_grid_spec(bad)
