"""The stratified 60/20/20 train/validation/test split, reproducible from the dataset's sha256 and a seed.

Rows with identical features are kept in one split (a "group"), so an exact duplicate can never sit in
train and test at once and inflate the test score. So are near-duplicates: rows that are equal once every
float feature is rounded to `NEAR_DUPLICATE_DIGITS` significant digits (a copy with tiny float noise added
is memorised like an exact copy). A file without near-duplicates gets exactly the groups, and so the split,
of exact matching alone. Groups are stratified by their label and shuffled with
NumPy's PCG64 generator, whose stream is the same on every platform, seeded from (seed, sha256).

That is the `stratified_random` method. `SplitOptions` asks for the others (`workers.ordered_split`): a
`time_ordered` split (oldest 60% train, newest 20% test) is the default when the file has a date column, and
a `group` split keeps every row of an entity (a patient, a customer) in one part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workers.data.dataset import Dataset
from workers.errors import DataError, InvalidOption

TRAIN, VALIDATION, TEST = 0, 1, 2
SPLIT_NAMES = ("train", "validation", "test")
FRACTIONS = (0.6, 0.2, 0.2)
DEFAULT_SEED = 20170511  # the day of the talk that named the 60/20/20 rule of thumb
SPLIT_METHOD = (
    "stratified by label, duplicate feature rows (floats to 6 significant digits) kept together, "
    "PCG64(seed, sha256)"
)
RANDOM, TIME_ORDERED, GROUP = "stratified_random", "time_ordered", "group"
# Float features are compared at this many significant digits: noise below a millionth of the value makes a
# near-duplicate; real measurements rarely agree to six digits in every feature at once.
NEAR_DUPLICATE_DIGITS = 6


SPLIT_CHOICES = ("auto", "random", "time", "group")


@dataclass(frozen=True)
class SplitOptions:
    """Which split to make, as a request asks: `method` auto (group when a group column is named, else
    time-ordered when the file has a date column, else random), random, time or group; the columns it needs.
    Contradictions are refused here, before any row is read."""

    method: str = "auto"
    time_column: str | None = None
    group_column: str | None = None

    def __post_init__(self) -> None:
        if self.method not in SPLIT_CHOICES:
            raise InvalidOption(
                f"split must be one of {', '.join(SPLIT_CHOICES)}; got {self.method!r}.", field="split"
            )
        if self.group_column is not None and (self.time_column is not None or self.method == "time"):
            # A group's rows span time: keeping groups whole breaks the time order, and ordering by time
            # splits groups. Either honest split is possible, not both at once.
            raise InvalidOption(
                "A split can keep time order or keep groups whole, not both: an entity's rows span time, so one "
                "always breaks the other. Drop --time-column (a group split) or --group-column (a time split).",
                field="group_column",
            )
        if self.group_column is not None and self.method == "random":
            raise InvalidOption(
                "--split random and --group-column contradict each other: a group split is not random by rows. "
                "Drop one of them.",
                field="group_column",
            )
        if self.method == "group" and self.group_column is None:
            raise InvalidOption(
                "--split group needs the entity column: --group-column NAME.", field="group_column"
            )

    @property
    def is_default(self) -> bool:
        return self == SplitOptions()

    def key(self) -> list[str | None]:
        """The options as plain values, for the keys of stored preparations."""
        return [self.method, self.time_column, self.group_column]

    def to_json(self) -> dict[str, str | None]:
        return {"method": self.method, "time_column": self.time_column, "group_column": self.group_column}

    @classmethod
    def of(cls, stored: object) -> SplitOptions:
        """Options from what `to_json` wrote (or nothing: the default)."""
        if isinstance(stored, SplitOptions):
            return stored
        data = stored if isinstance(stored, dict) else {}
        return cls(
            method=data.get("method") or "auto",
            time_column=data.get("time_column"),
            group_column=data.get("group_column"),
        )


class SplitTooSmall(DataError):
    """The rows cannot be split into train, validation and test with every class in each."""

    code = "split_too_small"


@dataclass(frozen=True)
class Split:
    assignment: np.ndarray  # (n_rows,) int8 of TRAIN / VALIDATION / TEST
    seed: int
    dataset_sha256: str
    # Which split this is (RANDOM, TIME_ORDERED, GROUP) and how, in words. Defaults: what every split was
    # before there was a choice, so splits pickled then read back as what they were.
    method: str = RANDOM
    description: str = SPLIT_METHOD
    time_column: str | None = None  # the file's date column: the split's order, or only the drift check's
    group_column: str | None = None
    date_ranges: dict[str, dict[str, str]] | None = None  # part -> {"first", "last"} of the time column
    note: str | None = None  # why this method: detected, asked for, overridden
    # Binary target with a time column: [{"first", "last", "rows", "rate"}] over runs of rows in time order.
    label_rate_by_period: list[dict[str, object]] | None = None

    @property
    def ledger_key(self) -> str:
        """What tells this split apart from the dataset's other splits of the same seed in the ledger ("" for
        the stratified random split, so splits made before there was a choice keep their rows)."""
        column = self.time_column if self.method == TIME_ORDERED else self.group_column
        return "" if self.method == RANDOM else f"{self.method}:{column}"

    @property
    def split_id(self) -> str:
        """A content hash of the assignment: equal ids mean the very same rows in every split."""
        digest = hashlib.sha256(self.assignment.astype(np.int8).tobytes())
        digest.update(self.dataset_sha256.encode())
        return digest.hexdigest()[:16]

    def indices(self, part: int) -> np.ndarray:
        return np.flatnonzero(self.assignment == part)

    @property
    def sizes(self) -> dict[str, int]:
        counts = np.bincount(self.assignment, minlength=3)
        return {name: int(n) for name, n in zip(SPLIT_NAMES, counts, strict=True)}

    def to_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "sizes": self.sizes,
            "stratified": self.method != TIME_ORDERED,
            "split_id": self.split_id,
            "method": self.method,
            "description": self.description,
            "time_column": self.time_column,
            "group_column": self.group_column,
            "date_ranges": self.date_ranges,
            "note": self.note,
            "label_rate_by_period": self.label_rate_by_period,
            "fractions": dict(zip(SPLIT_NAMES, FRACTIONS, strict=True)),
        }


def feature_row_groups(features: pd.DataFrame) -> np.ndarray:
    """Group id per row: rows with identical feature values (missing equal to missing) share one id."""
    row_hash = pd.util.hash_pandas_object(features, index=False).to_numpy()
    _, groups = np.unique(row_hash, return_inverse=True)
    return groups


def _rounded(features: pd.DataFrame, digits: int) -> pd.DataFrame | None:
    """`features` with every finite nonzero float rounded to `digits` significant digits (others as they are;
    the float columns come last, which changes row hashes but not which rows are equal), or None when
    rounding changes no value — most files hold numbers with fewer digits, and hashing again costs."""
    floats = [name for name in features.columns if pd.api.types.is_float_dtype(features[name])]
    original = features[floats].to_numpy(dtype=float)
    values = original.copy()
    finite = np.isfinite(values) & (values != 0)
    magnitude = np.floor(np.log10(np.abs(values[finite])))
    scale = 10.0 ** (digits - 1 - magnitude)
    values[finite] = np.round(values[finite] * scale) / scale
    if np.array_equal(values, original, equal_nan=True):
        return None
    rounded = pd.DataFrame(values, columns=range(len(floats)), index=features.index)
    others = features.drop(columns=floats)
    others.columns = range(len(floats), len(features.columns))
    return pd.concat([others, rounded], axis=1)


def near_duplicate_groups(features: pd.DataFrame, digits: int = NEAR_DUPLICATE_DIGITS) -> np.ndarray:
    """Group id per row: rows equal once floats are rounded to `digits` significant digits share one id.
    Each group is numbered by the smallest exact group (`feature_row_groups`) it holds, so without
    near-duplicates the ids are exactly the exact groups' ids and a split made from them does not change."""
    exact = feature_row_groups(features)
    rounded = _rounded(features, digits)
    if rounded is None:
        return exact
    near = feature_row_groups(rounded)
    first_exact = np.full(int(near.max(initial=-1)) + 1, len(features), dtype=np.int64)
    np.minimum.at(first_exact, near, exact)
    _, groups = np.unique(first_exact[near], return_inverse=True)
    return groups


def _rng(seed: int, sha256: str) -> np.random.Generator:
    entropy = [seed, int(sha256[:16], 16)] if sha256 else [seed]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def make_split(dataset: Dataset, *, seed: int = DEFAULT_SEED) -> Split:
    """The stratified random split. (`workers.ordered_split.split_as_asked` chooses among all the methods:
    the preparation splits through it.)"""
    return Split(assignment=random_assignment(dataset, seed=seed), seed=seed, dataset_sha256=dataset.sha256)


def random_assignment(
    dataset: Dataset,
    *,
    seed: int,
    not_features: frozenset[str] = frozenset(),
    groups: np.ndarray | None = None,
    why: str | None = None,
) -> np.ndarray:
    """The stratified random 60/20/20 assignment (near-duplicate rows together), refused when a part is empty.
    `not_features`: columns left out of the near-duplicate comparison (the split's own time or group column).
    `groups`: a group id (0..k-1) per row computed elsewhere (the image checks' duplicate clusters), kept
    together instead of the feature-row groups; `why`: what `SplitTooSmall` then says about them."""
    if groups is None:
        # Group on the columns a model may learn from: rows that differ only in an ID column are still twins.
        columns = (
            dataset.trainable_columns(excluded=not_features)
            or [name for name in dataset.features.columns if name not in not_features]
            or list(dataset.features.columns)
        )
        groups = near_duplicate_groups(dataset.features[columns])
    n_groups = int(groups.max()) + 1
    # A group's stratum is its most common label (groups with conflicting labels are reported by the checks).
    label_votes = np.zeros((n_groups, dataset.n_classes), dtype=np.int64)
    np.add.at(label_votes, (groups, dataset.y), 1)
    group_label = label_votes.argmax(axis=1)
    group_size = label_votes.sum(axis=1)

    rng = _rng(seed, dataset.sha256)
    group_part = np.empty(n_groups, dtype=np.int8)
    cuts = np.cumsum(FRACTIONS)[:2]
    for label in range(dataset.n_classes):
        members = np.flatnonzero(group_label == label)
        if len(members) == 0:  # every row of this class shares its features with rows of another class
            continue
        members = members[rng.permutation(len(members))]
        # Cut on cumulative *rows* so the 60/20/20 holds for rows, not groups; the midpoint rule rounds
        # each group to the part its centre falls in.
        ends = np.cumsum(group_size[members])
        centres = (ends - group_size[members] / 2) / ends[-1]
        group_part[members] = np.searchsorted(cuts, centres, side="right")
    assignment = group_part[groups]
    refuse_empty_parts(assignment, dataset.y, dataset.classes, n_groups, why)
    return assignment


def refuse_empty_parts(
    assignment: np.ndarray, y: np.ndarray, classes: list, n_groups: int, why: str | None = None
) -> None:
    """`SplitTooSmall` when a part, or a class within a part, is empty: a model cannot be fitted on, chosen
    on or scored on rows that are not there (rows in a few groups of identical features land in few parts)."""
    counts = np.zeros((3, len(classes)), dtype=np.int64)
    np.add.at(counts, (assignment.astype(np.intp), y), 1)
    missing = [
        f"{SPLIT_NAMES[part]} has no rows of class {classes[label]!r}"[:200]
        for part in range(3)
        for label in range(len(classes))
        if counts[part, label] == 0
    ]
    if not missing:
        return
    empty = [SPLIT_NAMES[part] for part in range(3) if counts[part].sum() == 0]
    what = (
        f"the {' and '.join(empty)} split{'s' if len(empty) > 1 else ''} would be empty"
        if empty
        else ("; ".join(missing[:5]) + (f"; … and {len(missing) - 5} more" if len(missing) > 5 else ""))
    )
    if why is not None:
        raise SplitTooSmall(f"The data cannot be split 60/20/20 for an honest evaluation: {what}. {why}")
    raise SplitTooSmall(
        f"The data cannot be split 60/20/20 for an honest evaluation: {what}. Rows with identical features "
        f"are kept in one split, and the {len(assignment):,} rows fall into only {n_groups:,} distinct feature "
        "rows. Add rows with varied features (or more rows of each class), or add a column that tells the "
        "rows apart."
    )
