"""Finding and reading a table's date/time column: the one a time-ordered split orders its rows by.

Detection is conservative: only a text column whose every value is an ISO-like date or timestamp
(`2024-03-01`, `2024/03/01 12:30`, `2024-03-01T12:30:00Z`) is taken, never a number — a numeric ID or an
amount is not a date, and guessing so would reorder the split. A column named with `--time-column` may
also hold numbers (a year, epoch seconds) or other date formats pandas can read.
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from workers.data.dataset import Dataset
from workers.errors import DataError, InvalidOption

# YYYY-MM-DD or YYYY/MM/DD, optionally a time of day with seconds, fraction and zone.
ISO_LIKE = re.compile(
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Names that say "when": a tie-break between several date columns (the first such wins), never a reason alone.
TIME_NAME = re.compile(r"date|time|timestamp|_at$|_on$|^at$|day|when|created|updated|period", re.IGNORECASE)
TEXT_KINDS = frozenset({"categorical", "id", "text"})
SAMPLE_ROWS = 200  # values tried before a whole column is parsed: most text columns fail on the first


class BadTimeColumn(DataError):
    """The time column's values cannot all be read as dates or times."""

    code = "bad_time_column"
    field = "time_column"


def _iso_times(values: pd.Series) -> np.ndarray | None:
    """Nanoseconds since the epoch (UTC) of every value, or None unless every one is an ISO-like date."""
    text = values.astype("string").str.strip()
    if not text.head(SAMPLE_ROWS).str.fullmatch(ISO_LIKE).all() or not text.str.fullmatch(ISO_LIKE).all():
        return None
    parsed = pd.to_datetime(
        text.str.replace("/", "-", regex=False), format="ISO8601", utc=True, errors="coerce"
    )
    if parsed.isna().any():
        return None
    return parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)


def detect_time_column(dataset: Dataset) -> str | None:
    """The dataset's date/time column, or None: a complete text column of ISO-like dates with at least two
    distinct values. Several: the first whose name says "when", else the first."""
    found = [
        name
        for name, profile in dataset.columns.items()
        if profile.kind in TEXT_KINDS
        and profile.missing_fraction == 0
        and profile.n_unique >= 2
        and _iso_times(dataset.features[name]) is not None
    ]
    named = [name for name in found if TIME_NAME.search(name)]
    return next(iter(named or found), None)


def time_values(dataset: Dataset, column: str) -> tuple[np.ndarray, bool]:
    """Each row's time as a float that orders the rows, and whether they are calendar times (else plain
    numbers, such as a year). `InvalidOption` for a column that is not in the file; `BadTimeColumn` for one
    with missing or unreadable values (a row without a time has no place in a time order)."""
    if column not in dataset.features.columns:
        raise unknown_column("time_column", column, dataset)
    series = dataset.features[column]
    if series.isna().any():
        raise BadTimeColumn(
            f"The time column {column!r} has {int(series.isna().sum()):,} rows without a value; a time-ordered "
            "split needs a time for every row. Fill them in, or choose a random split (--split random)."
        )
    if pd.api.types.is_float_dtype(series):
        return series.to_numpy(dtype=float), False
    iso = _iso_times(series)
    if iso is not None:
        return iso, True
    parsed = pd.to_datetime(series.astype("string").str.strip(), format="mixed", utc=True, errors="coerce")
    if parsed.isna().any():
        bad = series[parsed.isna()].astype(str).head(3).tolist()
        raise BadTimeColumn(
            f"The time column {column!r} holds values that are not dates or times, e.g. "
            f"{', '.join(repr(v[:40]) for v in bad)}. Name a column of dates (--time-column), or choose a random "
            "split (--split random)."
        )
    return parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float), True


def unknown_column(option: str, column: str, dataset: Dataset) -> InvalidOption:
    """The refusal of a split option naming a column the file does not have, with the closest names."""
    return unknown_column_error(option, column, list(dataset.features.columns))


def unknown_column_error(option: str, column: str, known: list[str]) -> InvalidOption:
    close = difflib.get_close_matches(column, known, n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    flag = "--" + option.replace("_", "-")
    return InvalidOption(
        f"{option} ({flag}) names a column that is not a feature of this dataset: {column[:80]!r}.{hint}",
        field=option,
    )


def time_label(value: float, calendar: bool) -> str:
    """A row time as people read it: an ISO date (with the time of day when it has one), or the number."""
    if not calendar:
        return f"{value:g}"
    stamp = pd.Timestamp(int(value), unit="ns", tz="UTC")
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M:%S")
