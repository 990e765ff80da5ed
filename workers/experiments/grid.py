"""Hyperparameter grids: a small spec expanded into complete, deduplicated hyperparameter dicts.

A spec maps hyperparameter names to a list of values, a single value, `{"log_range": [low, high],
"count": n}` (geometric, both ends included) or `{"range": [low, high], "count": n}` (linear). Integer
hyperparameters round range values and drop the repeats. Hyperparameters the spec does not name keep their
defaults — for the deep model, d_hidden follows d_main (2 × d_main) unless the spec names it.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from workers.errors import InvalidOption
from workers.experiments.families import (
    CNN,
    DEEP,
    LOGISTIC_REGRESSION,
    RANDOM_FOREST,
    TABM,
    TRANSFER,
    XGBOOST,
    Hyperparameter,
    check_family,
    complete_hyperparameters,
    hyperparameters_of,
    unknown_name_message,
)

MAX_GRID_POINTS = 256
RANGE_DIGITS = (
    12  # significant digits kept from range arithmetic: a log range from 0.01 gives 0.1, not 0.09999…
)
RANGE_KEYS = ("range", "log_range")

# Few points, on the hyperparameters that matter, each grid holding the assessment's defaults as one point.
# The deep grid follows the talk: widths in powers of two, depth of a few blocks, and the learning rate
# from the LR range test rather than from the grid.
DEFAULT_GRIDS: dict[str, dict[str, Any]] = {
    LOGISTIC_REGRESSION: {"C": {"log_range": [0.01, 100], "count": 5}},
    RANDOM_FOREST: {"min_samples_leaf": [1, 2, 5, 10], "max_features": ["sqrt", 0.5]},
    XGBOOST: {"max_depth": [3, 6, 9], "learning_rate": [0.03, 0.1, 0.3]},
    DEEP: {"d_main": [64, 128, 256], "n_blocks": [1, 2, 3], "lr": [None]},
    # None is the device's profile (the assessment's TabM); n_bins 0 drops the piecewise-linear embeddings.
    TABM: {"k": [None, 4, 16], "n_bins": [None, 0]},
    # The image families: the CNN's width and augmentation; the transfer model frozen-only against fine-tuned.
    CNN: {"width": [8, 16, 32], "augment": [0, 1]},
    TRANSFER: {"fine_tune_epochs": [0, 10], "dropout": [0.2, 0.5]},
}


def default_grid(family: str) -> dict[str, Any]:
    """A small sensible grid spec for `family` (a copy: the caller may change it)."""
    return copy.deepcopy(DEFAULT_GRIDS[check_family(family)])


def expand_grid(family: str, spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Complete hyperparameter dicts for every point of `spec`, without repeats.

    Points come in the order of the cartesian product, the first name in `spec` varying slowest. Raises
    `InvalidOption` naming the offending key for an unknown name, an empty list, a bad range or count, a
    value out of range, or a grid of more than `MAX_GRID_POINTS` points.
    """
    known = {parameter.name: parameter for parameter in hyperparameters_of(family)}
    if not isinstance(spec, Mapping):
        raise InvalidOption(f"A grid maps hyperparameter names to values; got {type(spec).__name__}.")
    axes: dict[str, list[Any]] = {}
    for name, entry in spec.items():
        if name not in known:
            raise InvalidOption(f"Grid key {name!r}: {unknown_name_message(family, name, list(known))}")
        axes[name] = _axis(family, known[name], entry)
    size = math.prod(len(values) for values in axes.values())
    if size > MAX_GRID_POINTS:
        sizes = " × ".join(f"{name} ({len(values)})" for name, values in axes.items())
        raise InvalidOption(
            f"The {family} grid has {size} points ({sizes}); at most {MAX_GRID_POINTS} are allowed. "
            "Use fewer values for one of these keys."
        )
    points: list[dict[str, Any]] = []
    seen: set[str] = set()
    for values in itertools.product(*axes.values()):
        point = complete_hyperparameters(family, dict(zip(axes, values, strict=True)))
        key = json.dumps(point, sort_keys=True)
        if key not in seen:
            seen.add(key)
            points.append(point)
    return points


def _axis(family: str, parameter: Hyperparameter, entry: Any) -> list[Any]:
    """The distinct values of one key of the spec, each in its canonical type."""
    where = f"Grid key {parameter.name!r}"
    if isinstance(entry, Mapping):
        raw: list[Any] = _range_values(where, parameter, entry)
    elif isinstance(entry, list | tuple):
        if not entry:
            raise InvalidOption(f"{where}: the list of values is empty; give at least one value.")
        raw = list(entry)
    else:
        raw = [entry]  # one value: a fixed setting for every point
    values: list[Any] = []
    for value in raw:
        try:
            value = parameter.coerce(value, family)
        except InvalidOption as error:
            raise InvalidOption(f"{where}: {error.detail}") from None
        if value not in values:
            values.append(value)
    return values


def _range_values(where: str, parameter: Hyperparameter, entry: Mapping[str, Any]) -> list[float | int]:
    unknown = sorted(set(map(str, entry)) - {*RANGE_KEYS, "count"})
    kinds = [key for key in RANGE_KEYS if key in entry]
    if unknown or len(kinds) != 1 or "count" not in entry:
        raise InvalidOption(
            f'{where}: a range is {{"range": [low, high], "count": n}} or {{"log_range": [low, high], '
            f'"count": n}}; got {dict(entry)!r}.'
        )
    kind = kinds[0]
    bounds, count = entry[kind], entry["count"]
    if (
        not isinstance(bounds, list | tuple)
        or len(bounds) != 2
        or not all(_finite_number(bound) for bound in bounds)
    ):
        raise InvalidOption(f"{where}: {kind} must be [low, high] with two finite numbers; got {bounds!r}.")
    low, high = (float(bound) for bound in bounds)
    if low > high:
        raise InvalidOption(f"{where}: {kind} needs low <= high; got [{low:g}, {high:g}].")
    if kind == "log_range" and low <= 0:
        raise InvalidOption(f"{where}: log_range needs positive ends; got [{low:g}, {high:g}].")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_GRID_POINTS:
        raise InvalidOption(f"{where}: count must be an integer from 1 to {MAX_GRID_POINTS}; got {count!r}.")
    spaced = np.geomspace(low, high, count) if kind == "log_range" else np.linspace(low, high, count)
    if parameter.kind == "int":
        return [math.floor(value + 0.5) for value in spaced]
    return [float(f"{value:.{RANGE_DIGITS}g}") for value in spaced]


def _finite_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class GridSpec:
    """A validated grid: the family, its spec and the points it expands to."""

    family: str
    grid: dict[str, Any]
    points: list[dict[str, Any]]


def load_grid_spec(mapping: Any) -> GridSpec:
    """Validate a mapping read from YAML or JSON: `{"family": ..., "grid": {...}}` (no grid: the default)."""
    if not isinstance(mapping, Mapping):
        raise InvalidOption(f'A grid spec is a mapping {{"family": ..., "grid": {{...}}}}; got {mapping!r}.')
    unknown = sorted(set(map(str, mapping)) - {"family", "grid"})
    if unknown:
        raise InvalidOption(
            f"A grid spec has only the keys 'family' and 'grid'; unknown: {', '.join(unknown)}."
        )
    if "family" not in mapping:
        raise InvalidOption("A grid spec needs a 'family'.")
    family = check_family(mapping["family"])
    grid = mapping.get("grid")
    if grid is None:
        grid = default_grid(family)
    points = expand_grid(family, grid)  # validates the grid, its type included
    return GridSpec(family=family, grid=copy.deepcopy(dict(grid)), points=points)


# Which way each hyperparameter makes a model simpler (more regularised): the leaderboard visits a grid's
# points simplest first, so that among points within a step of each other the simpler one leads. Names
# left out (max_features, n_estimators with early stopping, lr) have no agreed direction.
SIMPLER_WHEN: dict[str, dict[str, str]] = {
    LOGISTIC_REGRESSION: {"C": "lower"},  # C is the inverse penalty strength
    RANDOM_FOREST: {"min_samples_leaf": "higher", "max_depth": "lower"},  # max_depth None: grown fully
    # Shrinkage and row/column subsampling regularise boosting (Friedman 2001, 2002).
    XGBOOST: {
        "max_depth": "lower",
        "learning_rate": "lower",
        "subsample": "lower",
        "colsample_bytree": "lower",
    },
    DEEP: {
        "d_main": "lower",
        "d_hidden": "lower",
        "n_blocks": "lower",
        "dropout": "higher",
        "weight_decay": "higher",
    },
    # Not k, n_blocks or d_block: their None is the device's profile, which has no place on their axes.
    TABM: {"dropout": "higher", "weight_decay": "higher"},
    CNN: {"width": "lower", "blocks_per_stage": "lower", "dropout": "higher", "weight_decay": "higher"},
    TRANSFER: {"fine_tune_epochs": "lower", "dropout": "higher", "weight_decay": "higher"},
}


def complexity_ranks(family: str, points: Sequence[Mapping[str, Any]]) -> list[int]:
    """How complex each point is within its grid: 0 for the simplest, larger for more complex.

    For each hyperparameter of `SIMPLER_WHEN` that the points vary, a point scores the position of its
    value among the distinct values, simplest first; the scores add up. A value of None for an int
    (max_depth: no limit) is the most complex. Two points with equal sums are equally simple; callers break
    that tie by grid order.
    """
    directions = SIMPLER_WHEN.get(check_family(family), {})
    totals = [0] * len(points)
    for name, simpler in directions.items():
        values = [point.get(name) for point in points]
        if not all(value is None or _finite_number(value) for value in values):
            continue  # a value of another kind ("sqrt") has no place on this axis
        distinct = sorted(set(values), key=lambda v: math.inf if v is None else float(v))
        if simpler == "higher":
            distinct.reverse()
        for i, value in enumerate(values):
            totals[i] += distinct.index(value)
    return totals
