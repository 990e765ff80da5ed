"""The time check: what a split that mixes periods would leak, measured between the oldest 60% of rows and
the newest 20% (the train and test periods of a time-ordered split), whichever split was made.

- `label_drift`: the label rate of the two periods and their difference with a 95% interval (for a
  multiclass target, the class whose share moved most). A random split trains on every period, so its test
  score hides this shift; the time-ordered split meets it in the test, as production will.
- `feature_drift`: the population stability index (PSI) of every feature between the two periods (numbers
  in the train period's deciles, categories as they are), the most drifting named; the usual reading is
  < 0.1 stable, 0.1–0.25 a moderate shift, ≥ 0.25 a major one.

Severity follows size: a significant label shift of ≥ `LABEL_DRIFT_WARNING` points (absolute) or a major
PSI is a warning; a smaller significant shift or a moderate PSI is an info; nothing is said of stable data.
The split itself carries the label rate over time the report shows (`workers.ordered_split`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from workers.checks import Finding, Severity
from workers.data.dataset import Dataset
from workers.ordered_split import time_parts
from workers.split import TIME_ORDERED, Split
from workers.time_column import time_label, time_values

Z95 = 1.959964
LABEL_DRIFT_WARNING = 0.05  # five points of label rate between train and test periods changes most thresholds
PSI_MODERATE, PSI_MAJOR = 0.1, 0.25
PSI_BINS = 10
PSI_TOP_CATEGORIES = 20
DRIFT_P_VALUE = (
    0.001  # a feature's shift is named only when chance would not make it (many features are tried)
)
SHOWN_FEATURES = 3


def _psi(expected: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    """PSI and the p-value of a shift that large by chance alone: PSI is the symmetric (Jeffreys) divergence, and
    under no shift n1·n2/(n1+n2)·PSI is about χ² with (bins − 1) degrees of freedom — a 40-category column
    on a few hundred rows reaches PSI 0.2 from sampling alone, and that is not drift."""
    n_old, n_new = max(expected.sum(), 1), max(actual.sum(), 1)
    # Half a row added to every bin (Jeffreys' prior): a category absent from one period by chance is not
    # an infinite, nor a huge, shift.
    e = (expected + 0.5) / (n_old + 0.5 * len(expected))
    a = (actual + 0.5) / (n_new + 0.5 * len(actual))
    psi = float(np.sum((a - e) * np.log(a / e)))
    bins = int(((expected + actual) > 0).sum())
    p_value = float(chi2.sf(psi * n_old * n_new / (n_old + n_new), max(bins - 1, 1)))
    return psi, p_value


def feature_psi(column: pd.Series, old: np.ndarray, new: np.ndarray) -> tuple[float, float]:
    """PSI of one column between the rows `old` and `new` (boolean masks), and its chance p-value."""
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=float)
        reference = values[old & np.isfinite(values)]
        if len(reference) == 0:
            return 0.0, 1.0
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
        keys = np.where(np.isnan(values), len(edges) + 1, np.searchsorted(edges, values, side="right"))
        n_keys = len(edges) + 2
    else:
        text = column.astype(object).where(column.notna(), "\0missing").astype(str)
        top = text[old].value_counts().index[:PSI_TOP_CATEGORIES]
        codes = pd.Index(top).get_indexer(text)
        keys = np.where(codes >= 0, codes, len(top))
        n_keys = len(top) + 1
    return _psi(np.bincount(keys[old], minlength=n_keys), np.bincount(keys[new], minlength=n_keys))


def _label_finding(
    dataset: Dataset, split: Split, old: np.ndarray, new: np.ndarray, span: str
) -> Finding | None:
    shares_old = np.bincount(dataset.y[old], minlength=dataset.n_classes) / old.sum()
    shares_new = np.bincount(dataset.y[new], minlength=dataset.n_classes) / new.sum()
    which = 1 if dataset.is_binary else int(np.argmax(np.abs(shares_new - shares_old)))
    p_old, p_new = float(shares_old[which]), float(shares_new[which])
    diff = p_new - p_old
    half = Z95 * np.sqrt(p_old * (1 - p_old) / old.sum() + p_new * (1 - p_new) / new.sum())
    low, high = diff - half, diff + half
    if low <= 0 <= high:
        return None
    what = "positive rate" if dataset.is_binary else f"share of class {dataset.classes[which]!r}"
    severity: Severity = "warning" if abs(diff) >= LABEL_DRIFT_WARNING else "info"
    return Finding(
        "label_drift",
        severity,
        f"The label moves over time ({split.time_column!r}): {what} {p_old:.1%} in the oldest 60% of rows vs "
        f"{p_new:.1%} in the newest 20% ({span}), a change of {diff * 100:+.1f} points [95% CI {low * 100:+.1f}, "
        f"{high * 100:+.1f}]. {_consequence(split)}",
        [split.time_column] if split.time_column else [],
        diff,
    )


def _consequence(split: Split) -> str:
    if split.method == TIME_ORDERED:
        return "The time-ordered split tests on the newest rows, so the scores here already meet this shift."
    return (
        "A random split mixes the periods, so its test score leaks the future into training and hides this "
        "shift; split by time (the default for a file with dates) to see the score a new period will get."
    )


def time_drift_findings(dataset: Dataset, split: Split, used_columns: list[str]) -> list[Finding]:
    """The label and feature drift between the oldest and newest rows; nothing when the split has no time
    column (or the data does not move)."""
    if split.time_column is None:
        return []
    times, calendar = time_values(dataset, split.time_column)
    period = time_parts(times)
    old, new = period == 0, period == 2
    if not old.any() or not new.any():
        return []
    span = (
        f"{time_label(float(times[old].min()), calendar)}–{time_label(float(times[old].max()), calendar)} vs "
        f"{time_label(float(times[new].min()), calendar)}–{time_label(float(times[new].max()), calendar)}"
    )
    findings = [f for f in [_label_finding(dataset, split, old, new, span)] if f is not None]
    measured = {name: feature_psi(dataset.features[name], old, new) for name in used_columns}
    psi = {
        name: value for name, (value, p) in measured.items() if value >= PSI_MODERATE and p < DRIFT_P_VALUE
    }
    drifting = sorted(psi.items(), key=lambda kv: -kv[1])
    if drifting:
        top = drifting[:SHOWN_FEATURES]
        shown = ", ".join(f"{name!r} (PSI {value:.2f})" for name, value in top)
        more = f", and {len(drifting) - SHOWN_FEATURES} more" if len(drifting) > SHOWN_FEATURES else ""
        findings.append(
            Finding(
                "feature_drift",
                "warning" if top[0][1] >= PSI_MAJOR else "info",
                f"Features shift between the oldest 60% and the newest 20% of rows by {split.time_column!r} "
                f"({span}): {shown}{more} (PSI ≥ {PSI_MAJOR} is a major shift, ≥ {PSI_MODERATE} a moderate one). "
                f"{_consequence(split)}",
                [name for name, _ in top],
                top[0][1],
            )
        )
    return findings
