"""The grid form's hyperparameter fields: one line of text per hyperparameter, read into the grid spec the
API takes (`{"C": {"log_range": [0.01, 100], "count": 5}}`), each axis checked by the grid code itself so
that a bad value is answered beside its own field, in the API's words.

A line is a list of values (`0.01, 0.1, 1`, `sqrt, 0.5`, `none`) or a range with a count: `log 0.01..100
x5` (geometric) or `0.1..0.9 x3` (linear).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workers.errors import InvalidOption
from workers.experiments.grid import DEFAULT_GRIDS, expand_grid
from workers.families import FAMILIES, FAMILY_LABELS, Hyperparameter, hyperparameters_of

FIELD_PREFIX = "hp_"
RANGE = re.compile(
    r"^(?P<log>log\s+)?(?P<low>[^\s.][^\s]*?)\s*\.\.\s*(?P<high>\S+)\s+[x×]\s*(?P<count>\S+)$", re.I
)
HOW = "write values separated by commas (0.01, 0.1, 1) or a range with a count (log 0.01..100 x5, 1..9 x3)"


@dataclass(frozen=True)
class HyperparameterField:
    """One text field of the form: its name, label and what it accepts."""

    name: str  # the form field, hp_<hyperparameter>
    parameter: str
    accepts: str
    default: str  # the family's default value, as a hint


def family_fields(family: str) -> list[HyperparameterField]:
    return [
        HyperparameterField(
            name=FIELD_PREFIX + p.name, parameter=p.name, accepts=p.describe(), default=_shown(p.default)
        )
        for p in hyperparameters_of(family)
    ]


def family_choices() -> list[tuple[str, str]]:
    return [(family, FAMILY_LABELS[family]) for family in FAMILIES]


def default_lines(family: str) -> dict[str, str]:
    """The family's default grid as the form's lines, so an untouched form runs the API's default grid."""
    return {FIELD_PREFIX + name: spec_line(entry) for name, entry in DEFAULT_GRIDS[family].items()}


def spec_line(entry: Any) -> str:
    """A spec entry as a line of the form (the inverse of `read_line`)."""
    if isinstance(entry, Mapping):
        kind = "log_range" if "log_range" in entry else "range"
        low, high = entry[kind]
        return f"{'log ' if kind == 'log_range' else ''}{_shown(low)}..{_shown(high)} x{entry['count']}"
    values = entry if isinstance(entry, list | tuple) else [entry]
    return ", ".join(_shown(value) for value in values)


def read_line(line: str) -> Any:
    """One field's line as a spec entry; `InvalidOption` saying how to write it when it is neither form."""
    match = RANGE.match(line)
    if match:
        try:
            low, high = float(match["low"]), float(match["high"])
            count = int(match["count"])
        except ValueError:
            raise InvalidOption(f"could not read {line!r}: {HOW}.") from None
        return {"log_range" if match["log"] else "range": [low, high], "count": count}
    if ".." in line:
        raise InvalidOption(f"could not read {line!r}: {HOW}.")
    values = [token.strip() for token in line.split(",")]
    if any(not token for token in values):
        raise InvalidOption(f"an empty value in {line!r}: {HOW}.")
    return [_value(token) for token in values]


def read_grid(family: str, form: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any] | None:
    """The grid spec the filled fields make (None when all are empty: the family's default grid). Each
    field is checked by `expand_grid` on its own, so its error, in the API's words, goes beside it."""
    spec: dict[str, Any] = {}
    for field in family_fields(family):
        line = form.get(field.name, "")
        if not line:
            continue
        try:
            entry = read_line(line)
            expand_grid(family, {field.parameter: entry})
        except InvalidOption as error:
            errors[field.name] = error.detail
            continue
        spec[field.parameter] = entry
    return spec or None


def _value(token: str) -> Any:
    if token.lower() == "none":
        return None
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return token  # a word such as "sqrt"; the hyperparameter says whether it takes it


def _shown(value: Any) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["Hyperparameter", "HyperparameterField", "family_choices", "family_fields", "read_grid"]
