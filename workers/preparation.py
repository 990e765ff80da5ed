"""The one data preparation: profile → split → checks, and the columns a model may learn from.

An assessment's profile, split and checks stages, an experiment's data and the service's look at an upload
all come here, so the same dataset, seed and kept columns give every one of them the very same rows,
findings and columns. `Prepared` is plain picklable data: the service can store it once and hand it back
to every job of the same dataset (see `PrepareData`) instead of splitting and checking again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workers.checks import (
    LEAKAGE_CHECKS,
    UNKEEPABLE_KINDS,
    Finding,
    excluded_columns,
    run_checks,
    split_columns,
)
from workers.data.dataset import ColumnProfile, Dataset
from workers.drift import time_drift_findings
from workers.errors import InvalidOption, NoUsableFeatures
from workers.images.preparation import refuse_table_options, split_and_check_images
from workers.ordered_split import split_as_asked as make_split  # every split method, as the options ask
from workers.split import GROUP, Split, SplitOptions

# What a stored `Prepared` was made by: raise it whenever the split or the checks change what they produce,
# so preparations stored by an earlier version are made afresh instead of handed out stale.
# 2: near-duplicate rows kept in one split part; near-leakage, near-duplicate and kept-by-you findings.
# 3: time-ordered split by default for a file with a date column; group splits; the time drift check.
# 4: images: duplicate-aware split (exact and near-duplicate images kept together) and the image checks.
PREPARATION_VERSION = 4


@dataclass(frozen=True)
class DataProfile:
    """What the profile stage records about a dataset (its `to_dict` is that stage's saved output)."""

    rows: int
    columns: int
    sha256: str
    target: str
    positive_label: str | None
    positive_rate: float | None
    classes: list[str]
    class_counts: dict[str, int]
    source: str
    file_bytes: int
    column_profiles: list[ColumnProfile]
    notes: list[str]

    @classmethod
    def of(cls, dataset: Dataset) -> DataProfile:
        return cls(
            rows=dataset.n_rows,
            columns=len(dataset.columns),
            sha256=dataset.sha256,
            target=dataset.target,
            positive_label=dataset.positive_label,
            positive_rate=dataset.positive_rate,
            classes=list(dataset.classes),
            class_counts=dataset.class_counts,
            source=dataset.source,
            file_bytes=dataset.file_bytes,
            column_profiles=list(dataset.columns.values()),
            notes=list(dataset.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.columns,
            "sha256": self.sha256,
            "target": self.target,
            "positive_label": self.positive_label,
            "positive_rate": self.positive_rate,
            "classes": list(self.classes),
            "class_counts": dict(self.class_counts),
            "source": self.source,
            "file_bytes": self.file_bytes,
            "column_profiles": [profile.to_dict() for profile in self.column_profiles],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Prepared:
    """A dataset prepared for training: its profile, its split, the checks' findings (errors first), the
    columns left out with why, and the columns a model trains on (in the dataset's column order)."""

    profile: DataProfile
    split: Split
    findings: list[Finding]
    excluded: dict[str, str]  # column -> why it is left out
    used_columns: list[str]
    keep_columns: tuple[str, ...] = field(default=())  # what the user kept in despite the checks
    split_options: SplitOptions = field(default=SplitOptions())  # the split asked for (Split: the one made)

    @property
    def seed(self) -> int:
        return self.split.seed

    def findings_dicts(self) -> list[dict[str, object]]:
        return [finding.to_dict() for finding in self.findings]


class PrepareData(Protocol):
    """`prepare` or a stand-in for it with the same contract (the service's reads a stored `Prepared`)."""

    def __call__(
        self,
        dataset: Dataset,
        *,
        seed: int,
        keep_columns: Sequence[str] = (),
        split_options: SplitOptions | None = None,
    ) -> Prepared: ...


def _kept(keep_columns: Sequence[str] | str) -> tuple[str, ...]:
    return (keep_columns,) if isinstance(keep_columns, str) else tuple(keep_columns)


def profile_dataset(dataset: Dataset, *, keep_columns: Sequence[str] = ()) -> DataProfile:
    """The dataset's profile, once it is known to hold a column to learn from. `InvalidOption` for a kept
    column that is not a feature; `NoUsableFeatures` when no column can be learned from at all."""
    kept = _kept(keep_columns)
    if dataset.images is not None:
        refuse_table_options(keep_columns=kept)
        return DataProfile.of(dataset)
    unknown = [name for name in kept if name not in dataset.columns]
    if unknown:
        raise InvalidOption(
            f"--keep-column names columns that are not features of this file: {', '.join(map(repr, unknown))}."
        )
    # Keeping a column with one value or none would change nothing: refuse it rather than pretend.
    futile = [name for name in kept if dataset.columns[name].kind in UNKEEPABLE_KINDS]
    if futile:
        raise InvalidOption(
            "--keep-column names columns a model cannot learn from: "
            + ", ".join(f"{name!r} ({dataset.columns[name].kind})" for name in futile)
            + ". Keep only columns with varied values.",
            field="keep_columns",
        )
    usable = dataset.trainable_columns() + [name for name in kept if name in dataset.columns]
    if not usable:
        kinds = ", ".join(f"{p.name!r} ({p.kind})" for p in dataset.columns.values())
        raise NoUsableFeatures(
            f"No column can be learned from: {kinds or 'the file has only the target'}. A model needs at least "
            "one numeric, categorical or yes/no column with values in it."
        )
    return DataProfile.of(dataset)


def examine(
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> Prepared:
    """Split and check `dataset` without refusing it for having nothing left to learn from: what an upload
    shows (a dataset is taken in, and an assessment of it fails later, if the checks leave no column).
    `SplitTooSmall` when it cannot be split (`InvalidOption`, `TooFewGroups`, `BadTimeColumn` for split
    options it cannot follow)."""
    if dataset.images is not None:
        split, findings = split_and_check_images(
            dataset, seed=seed, keep_columns=keep_columns, split_options=split_options
        )
        return Prepared(
            profile=DataProfile.of(dataset),
            split=split,
            findings=findings,
            excluded={},
            used_columns=list(dataset.features.columns),  # every pixel
            split_options=split_options or SplitOptions(),
        )
    kept = _kept(keep_columns)
    options = split_options or SplitOptions()
    split = make_split(dataset, seed=seed, options=options)
    findings = run_checks(dataset, split, keep=set(kept))
    excluded = excluded_columns(dataset, findings, keep=set(kept))
    # A date or entity column is the split's, not "an identifier left out": say that once, as the split's.
    findings = [
        f for f in findings if not (f.check == "id_like_column" and set(f.columns) <= split_columns(split))
    ]
    for name in sorted(split_columns(split)):
        role = "group" if split.method == GROUP and name == split.group_column else "time"
        excluded[name] = f"the split's {role} column"
    used = [name for name in dataset.columns if name not in excluded]
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(findings + time_drift_findings(dataset, split, used), key=lambda f: order[f.severity])
    return Prepared(
        profile=DataProfile.of(dataset),
        split=split,
        findings=findings,
        excluded=excluded,
        used_columns=used,
        keep_columns=kept,
        split_options=options,
    )


def refuse_unusable(prepared: Prepared) -> None:
    """`NoUsableFeatures` when the checks left every column out."""
    if not prepared.used_columns:
        reasons = ", ".join(f"{name!r} ({why})" for name, why in prepared.excluded.items())
        keepable = _keepable(prepared)
        # Suggest --keep-column only for columns it would bring back: never a constant or empty one.
        advice = (
            " Keep a column you trust: " + ", ".join(f"--keep-column {name}" for name in keepable[:3]) + "."
            if keepable
            else " None of them can be kept: add columns with varied values."
        )
        raise NoUsableFeatures(f"Every column was left out: {reasons}.{advice}")


def _keepable(prepared: Prepared) -> list[str]:
    """Excluded columns that --keep-column would bring into training."""
    kinds = {profile.name: profile.kind for profile in prepared.profile.column_profiles}
    leaky = {name for f in prepared.findings if f.check in LEAKAGE_CHECKS for name in f.columns}
    return [
        name
        for name in prepared.excluded
        if name in leaky or (name in kinds and kinds[name] not in UNKEEPABLE_KINDS)
    ]


def prepare(
    dataset: Dataset,
    *,
    seed: int,
    keep_columns: Sequence[str] = (),
    split_options: SplitOptions | None = None,
) -> Prepared:
    """Profile, split and check `dataset`, and choose the columns a model trains on. Raises, in this order:
    `InvalidOption` (a kept column that is not a feature), `NoUsableFeatures` (no column can be learned
    from), `SplitTooSmall` (or a split option it cannot follow), `NoUsableFeatures` (the checks left every
    column out)."""
    profile_dataset(dataset, keep_columns=keep_columns)
    prepared = examine(dataset, seed=seed, keep_columns=keep_columns, split_options=split_options)
    refuse_unusable(prepared)
    return prepared


def reusing(stored: Prepared) -> PrepareData:
    """A `prepare` that hands back `stored` (made by `prepare` or `examine`) when asked for the same data,
    seed and kept columns, refusing it exactly as `prepare` would; anything else is prepared afresh. The
    service wraps the preparation it stored at upload in this for every job of that dataset."""

    def prepare_data(
        dataset: Dataset,
        *,
        seed: int,
        keep_columns: Sequence[str] = (),
        split_options: SplitOptions | None = None,
    ) -> Prepared:
        kept = _kept(keep_columns)
        options = split_options or SplitOptions()
        same = (dataset.sha256, seed, kept, options) == (
            stored.profile.sha256,
            stored.seed,
            stored.keep_columns,
            getattr(stored, "split_options", SplitOptions()),  # one pickled before there were options
        )
        if not same or dataset.n_rows != stored.profile.rows:
            return prepare(dataset, seed=seed, keep_columns=kept, split_options=options)
        profile_dataset(dataset, keep_columns=kept)
        refuse_unusable(stored)
        return stored

    return prepare_data
