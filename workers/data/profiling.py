"""Inferring what each column is (numeric, categorical, boolean, free text, ID-like, constant, empty)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workers.data.dataset import ColumnKind, ColumnProfile

BOOLEAN_WORDS = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f"})
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1"})
# A column whose non-missing values parse as numbers this often is numeric (stray "n/a"-like tokens aside).
NUMERIC_PARSE_SHARE = 0.98
# Unique in at least this share of its non-missing rows → an identifier, not a feature.
ID_UNIQUE_SHARE = 0.95
# Strings are identifiers at a lower share: a code seen once or twice per row (a customer id on repeat
# visits) cannot generalise to new rows either.
TEXT_ID_UNIQUE_SHARE = 0.5
MIN_ROWS_FOR_ID = 20  # on tiny tables everything is unique
# Strings this long on average, with spaces, are prose rather than categories.
TEXT_MEAN_LENGTH = 30


def _as_numeric(series: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    non_missing = series.dropna()
    if non_missing.empty:
        return None
    parsed = pd.to_numeric(non_missing.astype(str).str.strip(), errors="coerce")
    if parsed.notna().mean() >= NUMERIC_PARSE_SHARE:
        return pd.to_numeric(series.astype("string").str.strip(), errors="coerce").astype(float)
    return None


def _is_boolean_text(non_missing: pd.Series) -> bool:
    words = set(non_missing.astype(str).str.strip().str.lower().unique())
    return 1 <= len(words) <= 2 and words <= BOOLEAN_WORDS


def infer_kind(series: pd.Series) -> ColumnKind:
    non_missing = series.dropna()
    if non_missing.empty:
        return "empty"
    n_unique = non_missing.nunique()
    if n_unique == 1:
        return "constant"
    numeric = _as_numeric(series)
    if numeric is not None:
        values = numeric.dropna().to_numpy()
        if n_unique == 2 and set(np.unique(values)) <= {0.0, 1.0}:
            return "boolean"
        is_integer = bool(np.all(values == np.round(values)))
        looks_like_id = n_unique >= ID_UNIQUE_SHARE * len(values) and len(values) >= MIN_ROWS_FOR_ID
        # Unique floats are ordinary measurements; unique integers (row numbers, customer ids) are not.
        return "id" if is_integer and looks_like_id else "numeric"
    if _is_boolean_text(non_missing):
        return "boolean"
    text = non_missing.astype(str)
    if n_unique >= TEXT_ID_UNIQUE_SHARE * len(text) and len(text) >= MIN_ROWS_FOR_ID:
        mean_length = text.str.len().mean()
        has_spaces = text.str.contains(" ").mean() > 0.5
        return "text" if has_spaces and mean_length >= TEXT_MEAN_LENGTH else "id"
    if text.str.len().mean() >= TEXT_MEAN_LENGTH * 2 and text.str.contains(" ").mean() > 0.5:
        return "text"
    return "categorical"


def profile_column(name: str, series: pd.Series) -> ColumnProfile:
    kind = infer_kind(series)
    return ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(series.dtype),
        missing_fraction=float(series.isna().mean()),
        n_unique=int(series.nunique(dropna=True)),
    )


def normalise_column(series: pd.Series, kind: ColumnKind) -> pd.Series:
    """Numeric and boolean columns become float64 (NaN = missing); everything else pandas strings."""
    if kind in ("numeric", "id") and (numeric := _as_numeric(series)) is not None:
        return numeric
    if kind == "boolean":
        numeric = _as_numeric(series)
        if numeric is not None:
            return numeric
        lowered = series.astype("string").str.strip().str.lower()
        return lowered.map(lambda v: np.nan if pd.isna(v) else float(v in TRUE_WORDS)).astype(float)
    return series.astype("string").str.strip()
