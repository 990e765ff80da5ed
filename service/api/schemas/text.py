"""Text the database can store: Postgres refuses the NUL character (U+0000) in text and JSON columns,
so a NUL in a request is the caller's mistake, answered 422 before anything reaches the database."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

NUL = "\x00"


def has_nul(value: Any) -> bool:
    """Whether a NUL hides in `value`: a string, or the keys and values of nested dicts and lists."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


def no_nul(value: Any) -> Any:
    if has_nul(value):
        raise ValueError("must not contain the NUL character (\\u0000)")
    return value


StoredText = Annotated[str, AfterValidator(no_nul)]
StoredJson = Annotated[dict[str, Any], AfterValidator(no_nul)]
