"""An experiment's procedure, the exact configuration of one run, and its fingerprint.

The fingerprint hashes what decides the result and is known before anything runs: the data (its sha256,
target and positive label), the split seed, the columns kept against the checks' advice, the family with
every hyperparameter completed, the training fraction and seed, and the package versions. The same
fingerprint is the same experiment on the same data, so a re-run can be caught before it is queued.

`split_hash` and `used_columns` follow from those (and the readiness version), so they are recorded with
the procedure once the data is prepared but left out of the fingerprint: a procedure fingerprints the same
before and after its data is prepared.

`split` holds the split options when they are not the default (a time-ordered split asked for by name, a
random one asked for despite a date column, a group split); the default is left out of the fingerprint, so
procedures written before there was a choice fingerprint as they did.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from workers.errors import InvalidOption
from workers.experiments.families import check_family, complete_hyperparameters
from workers.experiments.subsample import check_seed, check_train_fraction
from workers.split import DEFAULT_SEED, SplitOptions

if TYPE_CHECKING:
    from workers.experiments.data import ExperimentData

VERSIONED_PACKAGES = ("readiness", "numpy", "scikit-learn", "xgboost", "torch")
DERIVED_FIELDS = frozenset({"split_hash", "used_columns"})  # recorded, not fingerprinted (see above)


@cache
def _installed_versions() -> tuple[tuple[str, str | None], ...]:
    found: list[tuple[str, str | None]] = []
    for package in VERSIONED_PACKAGES:
        try:
            found.append((package, version(package)))
        except PackageNotFoundError:
            found.append((package, None))
    return tuple(found)


def package_versions() -> dict[str, str | None]:
    """The installed versions of readiness and the libraries that decide a model's numbers (None if
    missing); read once per process."""
    return dict(_installed_versions())


@dataclass(frozen=True)
class Procedure:
    """What one experiment runs, normalised on creation (hyperparameters completed and in their canonical
    types, column lists sorted), so equal configurations compare and fingerprint equal.

    Not hashable (it holds dicts): key collections by `fingerprint(procedure)`.
    """

    dataset_sha256: str
    split_seed: int
    family: str
    hyperparameters: dict[str, Any]
    train_fraction: float = 1.0  # 1.0: the whole training split
    seed: int = DEFAULT_SEED  # the training seed (model initialisation, subsample, bagging)
    keep_columns: tuple[str, ...] = ()  # columns the user kept although a check would leave them out
    split: dict[str, Any] | None = None  # `SplitOptions.to_json()` when not the default
    target: str | None = None
    positive_label: str | None = None
    split_hash: str | None = None  # the split's id once the data is prepared
    used_columns: tuple[str, ...] | None = None  # the columns trained on, once the data is prepared
    versions: dict[str, str | None] = field(default_factory=package_versions)

    def __post_init__(self) -> None:
        if not isinstance(self.dataset_sha256, str) or not self.dataset_sha256:
            raise InvalidOption(f"dataset_sha256 must be the dataset's sha256, got {self.dataset_sha256!r}.")
        family = check_family(self.family)
        set_ = object.__setattr__  # frozen: normalising happens once, here
        set_(self, "split_seed", check_seed(self.split_seed, "split_seed"))
        set_(self, "seed", check_seed(self.seed))
        set_(self, "hyperparameters", complete_hyperparameters(family, self.hyperparameters))
        set_(self, "train_fraction", check_train_fraction(self.train_fraction))
        set_(self, "keep_columns", _sorted_names(self.keep_columns, "keep_columns"))
        options = SplitOptions.of(self.split)  # InvalidOption for a method or combination it cannot make
        set_(self, "split", None if options.is_default else options.to_json())
        if self.used_columns is not None:
            set_(self, "used_columns", _sorted_names(self.used_columns, "used_columns"))
        set_(self, "versions", dict(sorted(self.versions.items())))

    @property
    def split_options(self) -> SplitOptions:
        return SplitOptions.of(self.split)

    def with_data(self, data: ExperimentData) -> Procedure:
        """This procedure with the split hash and the used columns of its prepared data filled in."""
        return dataclasses.replace(self, split_hash=data.split_hash, used_columns=tuple(data.used_columns))

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON values (tuples become lists)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Procedure:
        """The procedure `to_json` wrote (a dict or its JSON text). Keys a caller stored beside the
        procedure's own (say the device it ran on) are ignored."""
        stored: Mapping[str, Any] = json.loads(data) if isinstance(data, str) else data
        names = {f.name for f in dataclasses.fields(cls)}
        known = {name: value for name, value in stored.items() if name in names}
        for name in ("keep_columns", "used_columns"):
            if isinstance(known.get(name), list):
                known[name] = tuple(known[name])
        try:
            return cls(**known)
        except TypeError as error:  # a required field is missing
            raise InvalidOption(f"Not a procedure: {error}.") from None


def _sorted_names(names: Any, what: str) -> tuple[str, ...]:
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise InvalidOption(f"{what} must be a list of column names, got {names!r}.")
    return tuple(sorted(set(names)))


def canonical_json(procedure: Procedure) -> str:
    """The fingerprinted fields as JSON with sorted keys and no whitespace.

    Floats are written in Python's shortest round-trip form, so 0.1 and 0.10000000000000001 (one float)
    are one text, and every hyperparameter has one type after completion, so {"C": 1} and {"C": 1.0} agree.
    """
    identity = {k: v for k, v in procedure.to_json().items() if k not in DERIVED_FIELDS}
    if identity.get("split") is None:
        identity.pop("split", None)  # the default split: fingerprints as before there was a choice
    return json.dumps(identity, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=True)


def fingerprint(procedure: Procedure) -> str:
    """The sha256 (hex) of the procedure's canonical JSON: equal fingerprints, the same experiment."""
    return hashlib.sha256(canonical_json(procedure).encode("ascii")).hexdigest()
