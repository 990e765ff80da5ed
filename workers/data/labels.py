"""Turning a raw target column into class indices: yes/no and 0/1 parsing, the positive class, and the
refusals (one class, a tiny class, a continuous target)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workers.errors import (
    ClassTooSmall,
    RegressionNotSupported,
    SingleClassTarget,
    TooManyClasses,
    UnknownPositiveLabel,
)

MIN_CLASS_ROWS = 10  # below this a 60/20/20 split leaves a class with one or two test rows
MAX_CLASSES = 50
# A numeric target with more distinct values than this (or any non-integer value) is a regression target.
MAX_NUMERIC_CLASSES = 20

# Label spellings whose positive side is unambiguous, compared case-insensitively.
POSITIVE_WORDS = frozenset({"yes", "y", "true", "t", "1", "positive", "pos"})
NEGATIVE_WORDS = frozenset({"no", "n", "false", "f", "0", "negative", "neg"})


@dataclass
class EncodedTarget:
    y: np.ndarray
    classes: list[str]
    positive_label: str | None
    notes: list[str] = field(default_factory=list)


def _label_text(value: object) -> str:
    """A label as the user would type it: 1.0 → "1", True → "True"."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _refuse_continuous(labels: pd.Series, target: str) -> None:
    numeric = pd.to_numeric(labels, errors="coerce")
    if numeric.notna().all() and labels.dtype != bool:
        values = numeric.to_numpy(dtype=float)
        n_unique = len(np.unique(values))
        non_integer = not np.all(np.isclose(values, np.round(values)))
        if non_integer or n_unique > MAX_NUMERIC_CLASSES:
            raise RegressionNotSupported(
                f"Target {target!r} looks continuous ({n_unique} distinct numeric values"
                f"{', not all whole numbers' if non_integer else ''}). Readiness assesses classification "
                "only: bin it into classes (e.g. above/below a threshold that matters to you) and try again."
            )


def _binary_order(names: list[str], positive: str | None, target: str) -> tuple[list[str], list[str]]:
    """Order two class names as [negative, positive] and say how the positive class was chosen."""
    if positive is not None:
        wanted = _label_text(positive)
        match = [n for n in names if n == wanted] or [n for n in names if n.lower() == wanted.lower()]
        if not match:
            raise UnknownPositiveLabel(
                f"--positive {positive!r} is not a value of {target!r}; its values are "
                f"{', '.join(repr(n) for n in names)}.",
                field="positive",
            )
        pos = match[0]
        return [n for n in names if n != pos] + [pos], []
    lowered = {n.lower(): n for n in names}
    for word in POSITIVE_WORDS:
        other = [n for n in names if n.lower() != word]
        if word in lowered and len(other) == 1 and other[0].lower() in NEGATIVE_WORDS:
            return [other[0], lowered[word]], []
    # No yes/no spelling: the rarer class is usually the one a team wants to find; say so plainly.
    return names, [
        f"Positive class taken to be {names[1]!r} (the rarer one); use --positive to choose another."
    ]


def encode_target(labels: pd.Series, *, target: str, positive: str | None = None) -> EncodedTarget:
    """Encode a target column (no missing values) as class indices 0..K-1."""
    _refuse_continuous(labels, target)
    text = labels.map(_label_text).astype(str)
    counts = text.value_counts()
    if len(counts) < 2:
        only = counts.index[0] if len(counts) else "nothing"
        raise SingleClassTarget(
            f"Target {target!r} has a single class ({only!r} in all {len(text)} rows); there is nothing "
            "to learn. Check that the file holds both outcomes."
        )
    if len(counts) > MAX_CLASSES:
        raise TooManyClasses(
            f"Target {target!r} has {len(counts)} classes; Readiness supports 2 to {MAX_CLASSES}. "
            "Group rare classes together or check that you named the right column."
        )
    small = counts[counts < MIN_CLASS_ROWS]
    if len(small):
        listed = ", ".join(f"{name!r} ({n} rows)" for name, n in small.items())
        raise ClassTooSmall(
            f"Target {target!r} has classes with fewer than {MIN_CLASS_ROWS} rows: {listed}. A 60/20/20 split "
            "cannot evaluate them; collect more examples, merge them into another class, or drop those rows."
        )
    notes: list[str] = []
    if len(counts) == 2:
        # Most frequent first so that the default positive (when nothing better is known) is the rarer one.
        classes, notes = _binary_order(list(counts.index), positive, target)
        positive_label: str | None = classes[1]
    else:
        if positive is not None:
            notes.append(f"--positive is ignored for a target with {len(counts)} classes.")
        classes = sorted(counts.index)
        positive_label = None
    index = {name: i for i, name in enumerate(classes)}
    y = text.map(index).to_numpy(dtype=np.int64)
    return EncodedTarget(y=y, classes=classes, positive_label=positive_label, notes=notes)
