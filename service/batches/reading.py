"""Reading a batch file: YAML or JSON into plain data, and that data as JSON Postgres will store."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import yaml

from service.batches.problems import BATCH_FILE, InvalidBatch, Problem
from service.models.text import unstorable_reason
from workers.safe_yaml import DocumentTooComplex, bounded_message, load_json, load_yaml

# YAML anchors can make a small file expand into a huge structure; reading stops past this many values.
MAX_VALUES = 200_000


def load_file(text: str, filename: str) -> dict[str, Any]:
    """The top-level mapping of a YAML or JSON file (JSON: a `.json` name, or text starting with `{`)."""

    def refuse(detail: str) -> InvalidBatch:
        return InvalidBatch([Problem(BATCH_FILE, bounded_message(detail), "invalid_batch_file")])

    if not text.strip():
        raise refuse("the file is empty; see docs/batches.md for the format.")
    as_json = PurePath(filename).suffix.lower() == ".json" or text.lstrip().startswith("{")
    try:
        data = load_json(text) if as_json else load_yaml(text, max_nodes=MAX_VALUES)
    except DocumentTooComplex as error:
        raise refuse(f"{error}") from None
    except json.JSONDecodeError as error:
        raise refuse(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        raise refuse(f"not valid YAML: {reason}{at}.") from None
    if not isinstance(data, Mapping):
        raise refuse(
            f"expected a mapping with `items:` at the top, got {type(data).__name__}; see docs/batches.md."
        )
    return dict(data)


def plain_json(data: Any) -> dict[str, Any]:
    """The file as JSON Postgres accepts: dates as text, no NaN, no NUL or lone surrogate; bounded however
    anchors expand."""
    count = 0

    def plain(value: Any) -> Any:
        nonlocal count
        count += 1
        if count > MAX_VALUES:
            raise InvalidBatch(
                [
                    Problem(
                        BATCH_FILE,
                        f"the file expands to more than {MAX_VALUES:,} values.",
                        "invalid_batch_file",
                    )
                ]
            )
        if isinstance(value, Mapping):
            return {plain(str(key)): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(item) for item in value]
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        if isinstance(value, str) and (reason := unstorable_reason(value)) is not None:
            # Postgres stores neither, in the batch row's JSON nor in the records the items make.
            shown = f" (in {value[:40]!r})" if len(value) > 1 else ""
            raise InvalidBatch([Problem(BATCH_FILE, f"a value {reason}{shown}.", "invalid_batch_file")])
        if value is None or isinstance(value, bool | int | float | str):
            return value
        return str(value)

    return plain(data)
