"""How the HTML report and the dashboard show a split's method: in words, with the columns it was made by,
each part's time range, why this method, and the label rate over time (issue 12, item 4)."""

from __future__ import annotations

from typing import Any

from workers.report.model import SplitSection

PART_ORDER = {"train": 0, "validation": 1, "test": 2}
METHOD_WORDS = {
    "stratified_random": "Random, stratified by the target",
    "time_ordered": "In time order (oldest rows train, newest test)",
    "group": "By group (every entity in one part)",
}


def method_words(split: SplitSection) -> str | None:
    """The method as people read it, with its column; an older report's description as it was."""
    if split.method is None:
        return None
    words = METHOD_WORDS.get(split.method)
    if words is None:
        return split.method
    column = split.time_column if split.method == "time_ordered" else split.group_column
    return f"{words}, by {column}" if column and split.method != "stratified_random" else words


def split_extras(split: SplitSection | None) -> dict[str, Any]:
    """The keys the split section's view adds to the sizes and budget: `method_words`, `ranges` (part →
    "first – last"), `note`, `periods` (the label rate over time) and the columns."""
    if split is None:
        return {"method_words": None, "ranges": {}, "note": None, "periods": [], "time_column": None}
    spans = split.date_ranges or {}
    # In the parts' order (a stored report's JSON may hold them in any order).
    ranges = {
        part: f"{spans[part].get('first', '?')} – {spans[part].get('last', '?')}"
        for part in sorted(spans, key=lambda name: PART_ORDER.get(name, len(PART_ORDER)))
    }
    return {
        "method_words": method_words(split),
        "ranges": ranges,
        "note": split.note,
        "periods": [period.model_dump() for period in split.label_rate_by_period or []],
        "time_column": split.time_column,
        "group_column": split.group_column,
    }
