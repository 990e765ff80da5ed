"""The splits that respect time and entities: `time_ordered` (train the oldest 60% of rows, validation the
next 20%, test the newest 20%) and `group` (every row of an entity in one part), and the choice among them.

A random split of data that changes over time trains on the future and tests on the past, and one of data
with several rows per patient tests on patients the model has seen: both flatter the test score.

Ties: rows with the same time always share a part (the part the middle of their run of rows falls in, as
the random split places a duplicate group), so no time is split and the cut needs no seed. Groups are
assigned greedily, largest first in a seeded order, each to the part that brings the parts' sizes and class
counts closest to 60/20/20 (the idea of scikit-learn's StratifiedGroupKFold for a single cut).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from workers.data.dataset import Dataset
from workers.errors import DataError
from workers.split import (
    FRACTIONS,
    GROUP,
    RANDOM,
    SPLIT_METHOD,
    SPLIT_NAMES,
    TIME_ORDERED,
    Split,
    SplitOptions,
    SplitTooSmall,
    _rng,
    near_duplicate_groups,
    random_assignment,
    refuse_empty_parts,
)
from workers.time_column import detect_time_column, time_label, time_values, unknown_column

N_PERIODS = 8  # points of the label-rate-over-time series in the split section
MIN_GROUPS = 5  # fewer entities than this cannot fill 60/20/20 with any honesty
TIME_DESCRIPTION = (
    "ordered by {column}: oldest 60% train, next 20% validation, newest 20% test; equal times kept together"
)
GROUP_DESCRIPTION = (
    "every {column} in one part (with duplicate feature rows), groups stratified by label as far as possible, "
    "PCG64(seed, sha256)"
)


class TooFewGroups(DataError):
    """The group column has too few distinct entities for a 60/20/20 split."""

    code = "too_few_groups"
    field = "group_column"


def split_as_asked(dataset: Dataset, *, seed: int, options: SplitOptions) -> Split:
    """The split `options` ask for (by default: time-ordered when the file has a date column, else stratified
    random). `InvalidOption` for an unknown or contradictory column; `SplitTooSmall` when a part would lack
    rows or a class; `TooFewGroups` for a group column with fewer than `MIN_GROUPS` entities; `BadTimeColumn`
    for a time column with values that are not times."""
    group = options.group_column
    if group is not None and group not in dataset.features.columns:
        raise unknown_column("group_column", group, dataset)
    if options.time_column is not None:
        time_values(dataset, options.time_column)  # unknown or unreadable: refused whatever the method
    detected = options.time_column is None
    time_column = options.time_column or detect_time_column(dataset)
    not_features = frozenset(c for c in (time_column, group) if c is not None)
    if group is not None:
        method, description = GROUP, GROUP_DESCRIPTION.format(column=repr(group))
        note = (
            f"Rows of each {group!r} kept in one part; the rows are not in time order ({time_column!r} holds dates), "
            "so the time check below says what mixing periods leaks."
            if time_column
            else None
        )
        assignment = group_assignment(dataset, group, seed=seed, not_features=not_features)
    elif options.method == "random" or (options.method == "auto" and time_column is None):
        method, description = RANDOM, SPLIT_METHOD
        note = (
            f"A random split, as asked, although {time_column!r} holds dates: training sees every period, so the "
            "time check below says what this leaks."
            if time_column
            else None
        )
        assignment = random_assignment(dataset, seed=seed, not_features=not_features)
    else:
        if time_column is None:
            raise DataError(
                "--split time needs a date or time column, and none was found (only text columns whose every "
                "value is a date like 2024-03-01 are taken as one). Name it: --time-column NAME.",
                field="time_column",
            )
        method, description = TIME_ORDERED, TIME_DESCRIPTION.format(column=repr(time_column))
        note = (
            f"{time_column!r} was found to hold dates, so the rows were split in time order (the test rows are "
            "the newest). Ask for --split random to mix periods."
            if detected
            else None
        )
        try:
            assignment = time_assignment(dataset, time_column)
        except SplitTooSmall as refused:
            if not (detected and options.method == "auto"):
                raise  # asked for by name: say why it cannot be made
            # Only found, not asked for: a file the random split can use is not refused for its dates.
            method, description = RANDOM, SPLIT_METHOD
            note = (
                f"{time_column!r} holds dates, but a time-ordered split cannot be made ({refused.detail}); the "
                "rows were split at random instead, and the time check below says what that leaks."
            )
            assignment = random_assignment(dataset, seed=seed, not_features=not_features)
    split = Split(
        assignment,
        seed=seed,
        dataset_sha256=dataset.sha256,
        method=method,
        description=description,
        time_column=time_column,
        group_column=group,
        note=note,
    )
    if time_column is None:
        return split
    times, calendar = time_values(dataset, time_column)
    ranges = {
        SPLIT_NAMES[part]: {
            "first": time_label(float(times[split.assignment == part].min()), calendar),
            "last": time_label(float(times[split.assignment == part].max()), calendar),
        }
        for part in range(3)
        if (split.assignment == part).any()
    }
    periods = label_rate_by_period(dataset, times, calendar)
    return dataclasses.replace(split, date_ranges=ranges, label_rate_by_period=periods)


def time_parts(times: np.ndarray, cuts: tuple[float, ...] = (0.6, 0.8)) -> np.ndarray:
    """Each row's period by time: the rows of a distinct time go where the middle of their run falls among
    `cuts` (shares of rows in time order), so periods never split a time and need no seed."""
    _, inverse, counts = np.unique(times, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    centres = (ends - counts / 2) / ends[-1]
    return np.searchsorted(np.asarray(cuts), centres, side="right").astype(np.int8)[inverse]


def label_rate_by_period(
    dataset: Dataset, times: np.ndarray, calendar: bool
) -> list[dict[str, object]] | None:
    """The positive rate in `N_PERIODS` runs of rows in time order (equal times together); None unless binary."""
    if not dataset.is_binary:
        return None
    period = time_parts(times, tuple(np.arange(1, N_PERIODS) / N_PERIODS))
    out: list[dict[str, object]] = []
    for p in range(N_PERIODS):
        rows = period == p
        if rows.any():
            out.append(
                {
                    "first": time_label(float(times[rows].min()), calendar),
                    "last": time_label(float(times[rows].max()), calendar),
                    "rows": int(rows.sum()),
                    "rate": round(float(dataset.y[rows].mean()), 6),
                }
            )
    return out


def time_assignment(dataset: Dataset, column: str) -> np.ndarray:
    """Parts by time: each distinct time goes to the part the middle of its rows falls in (60/20/20 of rows
    in time order), so every train time ≤ every validation time ≤ every test time, and equal times share."""
    times, _ = time_values(dataset, column)
    assignment = time_parts(times)
    distinct = np.unique(times)
    refuse_empty_parts(
        assignment,
        dataset.y,
        dataset.classes,
        len(distinct),
        why=f"In time order by {column!r} ({len(distinct):,} distinct times; rows of one time share a part). "
        "Use more periods or rows of each class, or choose a random split (--split random).",
    )
    return assignment


def _entity_codes(dataset: Dataset, column: str) -> np.ndarray:
    """One code per entity of `column` (rows without a value are one entity together: nothing tells them apart)."""
    series = dataset.features[column].astype(object).where(dataset.features[column].notna(), "\0missing")
    return np.asarray(pd.factorize(series.astype(str))[0])


def group_assignment(dataset: Dataset, column: str, *, seed: int, not_features: frozenset[str]) -> np.ndarray:
    """Parts by entity: every row of an entity, and every duplicate feature row of those rows, in one part."""
    entity = _entity_codes(dataset, column)
    n_entities = int(entity.max()) + 1
    if n_entities < MIN_GROUPS:
        raise TooFewGroups(
            f"The group column {column!r} has {n_entities} distinct value{'s' if n_entities != 1 else ''}; a "
            f"group split needs at least {MIN_GROUPS} entities to put about 60/20/20 of them in train, validation "
            "and test. Name the entity column (patient, customer, device), or drop --group-column."
        )
    columns = dataset.trainable_columns(excluded=not_features) or [
        c for c in dataset.features.columns if c not in not_features
    ]
    duplicates = near_duplicate_groups(dataset.features[columns]) if columns else np.arange(dataset.n_rows)
    # An entity and a duplicate row it shares with another entity join them: connected components of the
    # bipartite graph entity — duplicate group.
    n_dup = int(duplicates.max()) + 1
    edges = coo_matrix(
        (np.ones(dataset.n_rows), (entity, n_entities + duplicates)), shape=(n_entities + n_dup,) * 2
    )
    _, component = connected_components(edges, directed=False)
    _, groups = np.unique(component[entity], return_inverse=True)
    n_groups = int(groups.max()) + 1
    counts = np.zeros((n_groups, dataset.n_classes), dtype=np.int64)
    np.add.at(counts, (groups, dataset.y), 1)
    rng = _rng(seed, dataset.sha256)
    order = rng.permutation(n_groups)
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]  # big groups first, ties seeded
    share = np.asarray(FRACTIONS)[:, None]
    total = counts.sum(axis=0)[None, :].astype(float)
    filled = np.zeros((3, dataset.n_classes))
    group_part = np.empty(n_groups, dtype=np.int8)
    for group in order:
        # The part whose shortfall, in rows of this group's classes, is largest (relative to its target).
        gap = (share * total - filled) / (share * total.sum())
        part = int(np.argmax(gap @ counts[group]))
        group_part[group] = part
        filled[part] += counts[group]
    assignment = group_part[groups]
    refuse_empty_parts(
        assignment,
        dataset.y,
        dataset.classes,
        n_groups,
        why=f"Every {column!r} is kept in one part, and the rows form only {n_groups:,} such groups. Add entities, "
        "or drop --group-column.",
    )
    return assignment
