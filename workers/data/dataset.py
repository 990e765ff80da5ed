"""The in-memory dataset every pipeline stage works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from workers.data.images.image_set import ImageSet

ColumnKind = Literal["numeric", "categorical", "boolean", "text", "id", "constant", "empty"]

# Kinds a model can learn from; text, id-like, constant and empty columns are reported, not trained on.
TRAINABLE_KINDS: frozenset[str] = frozenset({"numeric", "categorical", "boolean"})
Modality = Literal["table", "images"]


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    kind: ColumnKind
    dtype: str
    missing_fraction: float
    n_unique: int

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "missing_fraction": round(self.missing_fraction, 6),
            "n_unique": self.n_unique,
        }


@dataclass
class Dataset:
    """A labelled table: features as loaded (types normalised), labels as class indices. An image dataset is
    one too (`images`; see `workers.data.images.image_set`).

    `features` holds every column but the target: numeric and boolean columns as float64 (NaN for
    missing), categorical/text/id columns as pandas `string` dtype (<NA> for missing).
    `y[i]` is an index into `classes`; for a binary target `classes == [negative, positive]`, so
    `y == 1` marks the positive class.
    """

    features: pd.DataFrame
    y: np.ndarray
    classes: list[str]
    target: str
    sha256: str
    columns: dict[str, ColumnProfile]
    source: str = ""
    positive_label: str | None = None
    file_bytes: int = 0
    notes: list[str] = field(default_factory=list)
    # An image dataset's images (then `features` holds one uint8 column per pixel and `columns` is empty).
    images: ImageSet | None = None

    @property
    def modality(self) -> Modality:
        return "table" if self.images is None else "images"

    @property
    def n_rows(self) -> int:
        return len(self.y)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_binary(self) -> bool:
        return self.n_classes == 2

    @property
    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=self.n_classes)
        return {name: int(c) for name, c in zip(self.classes, counts, strict=True)}

    @property
    def positive_rate(self) -> float | None:
        return float(np.mean(self.y == 1)) if self.is_binary else None

    def trainable_columns(self, excluded: set[str] | frozenset[str] = frozenset()) -> list[str]:
        return [
            name
            for name, profile in self.columns.items()
            if profile.kind in TRAINABLE_KINDS and name not in excluded
        ]
