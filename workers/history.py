"""Suggestions from history: what past assessments in the journal say about datasets like this one.

A dataset is described by its shape (`DatasetShape`): labelled rows, feature columns the models used, and the
share of those that are categorical. Past assessments of a similar shape (see `RULE`) are summarised in
sentences with counts and magnitudes, e.g. "On the 7 past datasets of 1k–10k rows, the deep model beat the
best baseline twice, by at most 0.004 AUC." The AUCs are the test-split ROC-AUCs each assessment reported.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workers.numbers import as_number, format_count, format_metric, format_percent
from workers.report.model import DatasetSection, HistorySection, PastDataset, Shape
from workers.rubric.evidence import model_label

# Orders of magnitude of labelled rows: the bucket, more than the exact count, decides whether a deep model
# has enough to learn from, and a bucket is coarse enough to hold a handful of past datasets.
SIZE_BUCKETS: tuple[tuple[float, str], ...] = (
    (1_000, "under 1k rows"),
    (10_000, "of 1k–10k rows"),
    (100_000, "of 10k–100k rows"),
    (math.inf, "of 100k rows or more"),
)
# Within a bucket, a similar dataset also has a comparable width (between a third and three times as many
# feature columns: a factor that separates 10 columns from 100 but not 10 from 20) and a comparable mix of
# column types (categorical share within 25 points: embeddings and one-hot codes are where deep models and
# trees differ most).
FEATURE_RATIO = 3.0
CATEGORICAL_GAP = 0.25
RULE = (
    "Similar: the same size bucket (under 1k, 1k–10k, 10k–100k or 100k+ rows), between a third and three "
    "times as many feature columns, and a share of categorical columns within 25 percentage points."
)
NO_HISTORY = "No past assessments in this journal yet."
# Columns a model treats as numbers; everything else it uses is encoded as categories.
NUMERIC_KINDS = frozenset({"numeric", "boolean"})


@dataclass(frozen=True)
class DatasetShape:
    rows: int
    n_features: int
    categorical_share: float

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "n_features": self.n_features, "categorical_share": self.categorical_share}


@dataclass(frozen=True)
class PastAssessment:
    """One record of `AssessmentStore.history()`."""

    dataset_name: str
    shape: DatasetShape
    best_baseline: str
    best_baseline_roc_auc: float
    deep_roc_auc: float | None

    @property
    def delta(self) -> float | None:
        return None if self.deep_roc_auc is None else self.deep_roc_auc - self.best_baseline_roc_auc

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> PastAssessment | None:
        """The record, or None when it lacks a number the comparison needs (an unfinished assessment)."""
        rows, width, share = (as_number(raw.get(k)) for k in ("rows", "n_features", "categorical_share"))
        base = as_number(raw.get("best_baseline_roc_auc"))
        if rows is None or width is None or share is None or base is None:
            return None
        return cls(
            dataset_name=str(raw.get("dataset_name") or "unnamed dataset"),
            shape=DatasetShape(int(rows), int(width), share),
            best_baseline=str(raw.get("best_baseline") or ""),
            best_baseline_roc_auc=base,
            deep_roc_auc=as_number(raw.get("deep_roc_auc")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_name": self.dataset_name,
            **self.shape.to_dict(),
            "best_baseline": self.best_baseline,
            "best_baseline_roc_auc": self.best_baseline_roc_auc,
            "deep_roc_auc": self.deep_roc_auc,
            "delta_roc_auc": self.delta,
        }


def dataset_shape(dataset: DatasetSection | Mapping[str, Any]) -> DatasetShape:
    """The shape of a report's `dataset` section: rows, used feature columns, and the share of those that are
    categorical (by the profile's column kinds; numeric and yes/no columns count as numbers)."""
    section = dataset if isinstance(dataset, DatasetSection) else DatasetSection.model_validate(dataset)
    used = list(section.used_columns or [])
    kinds = {str(p.name): p.kind for p in section.column_profiles}
    categorical = sum(1 for name in used if kinds.get(name) not in NUMERIC_KINDS)
    return DatasetShape(
        rows=int(section.rows or 0),
        n_features=len(used),
        categorical_share=categorical / len(used) if used else 0.0,
    )


def size_bucket(rows: int) -> str:
    return next(words for bound, words in SIZE_BUCKETS if rows < bound)


def is_similar_shape(current: DatasetShape, past: DatasetShape) -> bool:
    """Comparable width and column mix (the size bucket is checked apart, to say which part failed)."""
    width_ok = current.n_features / FEATURE_RATIO <= past.n_features <= current.n_features * FEATURE_RATIO
    return width_ok and abs(past.categorical_share - current.categorical_share) <= CATEGORICAL_GAP


def history_summary(current: DatasetShape, records: Sequence[Mapping[str, Any]]) -> HistorySection:
    """The report's `history` section: this dataset's shape, the similar past assessments, and sentences."""
    past = [p for p in (PastAssessment.parse(r) for r in records if isinstance(r, Mapping)) if p is not None]
    bucket = size_bucket(current.rows)
    same_size = [p for p in past if size_bucket(p.shape.rows) == bucket]
    similar = [p for p in same_size if is_similar_shape(current, p.shape)]
    return HistorySection(
        current=Shape(**current.to_dict()),
        similar=[PastDataset(**p.to_dict()) for p in similar],
        sentences=_sentences(current, past, same_size, similar),
        rule=RULE,
    )


def _sentences(
    current: DatasetShape,
    past: list[PastAssessment],
    same_size: list[PastAssessment],
    similar: list[PastAssessment],
) -> list[str]:
    if not past:
        return [NO_HISTORY]
    bucket = size_bucket(current.rows)
    if not same_size:
        assessments = _plural(len(past), "past assessment")
        return [
            f"None of the {assessments} in this journal is of a dataset {bucket}; across all of them, "
            f"{_outcome(past)}.",
        ]
    out = [f"On the {_plural(len(same_size), 'past dataset')} {bucket}, {_outcome(same_size)}."]
    shape = (
        f"a similar number of feature columns ({_width_range(current)}) and share of categorical columns "
        f"({_share_range(current)})"
    )
    if len(similar) == len(same_size):
        out.append(f"All of them also have {shape}." if len(similar) > 1 else f"It also has {shape}.")
    elif len(similar) == 1:
        out.append(f"On the one of them that also has {shape}, {_outcome(similar)}.")
    elif similar:
        out.append(
            f"On the {format_count(len(similar))} of them that also have {shape}, {_outcome(similar)}."
        )
    else:
        out.append(f"None of them also has {shape}.")
    favourite = _most_common_baseline(same_size)
    if favourite:
        out.append(favourite)
    return out


def _outcome(records: list[PastAssessment]) -> str:
    """How the deep model fared against the best baseline on these datasets, with counts and magnitudes."""
    deltas = [p.delta for p in records if p.delta is not None]
    missing = len(records) - len(deltas)
    if not deltas:
        return "the deep model has no result on any of them (skipped or failed)"
    no_deep = [f"{format_count(missing)} had no deep-model result"] if missing else []
    compared = f" in {_plural(len(deltas), 'comparison')}" if missing else ""
    wins = [d for d in deltas if d > 0]
    if not wins:
        closest = max(deltas)
        how = "at best it tied" if closest == 0 else f"at best {format_metric(-closest)} AUC behind"
        return f"the deep model never beat the best baseline{compared} ({'; '.join([how, *no_deep])})"
    by = (
        f"by {format_metric(wins[0])} AUC" if len(wins) == 1 else f"by at most {format_metric(max(wins))} AUC"
    )
    notes = f" ({no_deep[0]})" if no_deep else ""
    return f"the deep model beat the best baseline {_times(len(wins))}{compared}, {by}{notes}"


def _most_common_baseline(records: list[PastAssessment]) -> str | None:
    named = Counter(p.best_baseline for p in records if p.best_baseline)
    if not named:
        return None
    name, count = named.most_common(1)[0]
    if count < 2 or count <= len(records) / 2:  # only a clear majority says something about this kind of data
        return None
    label = model_label(name)
    return f"{label[0].upper()}{label[1:]} was the best baseline on {format_count(count)} of them."


def _width_range(current: DatasetShape) -> str:
    low = math.ceil(current.n_features / FEATURE_RATIO)
    high = math.floor(current.n_features * FEATURE_RATIO)
    return f"{format_count(low)}–{format_count(high)}"


def _share_range(current: DatasetShape) -> str:
    low = max(0.0, current.categorical_share - CATEGORICAL_GAP)
    high = min(1.0, current.categorical_share + CATEGORICAL_GAP)
    return f"{format_percent(low)}–{format_percent(high)}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{format_count(n)} times")


def _plural(n: int, noun: str) -> str:
    return f"{format_count(n)} {noun}{'' if n == 1 else 's'}"
