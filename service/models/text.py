"""Text the database can store, in sizes a person can read.

Postgres refuses the NUL character (U+0000) in text and JSON columns, and its UTF-8 encoding cannot carry a
lone UTF-16 surrogate (U+D800–U+DFFF: half of a pair, which JSON's "\\ud800" escape or an undecodable byte on a
command line can produce). Either in a request is the caller's mistake, answered 422 before anything reaches
the database, whichever door the text came in by: the API's models (`StoredText`, `StoredJson`), the batch
file, the dashboard's forms and the command line (`unstorable_reason`, `require_storable`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

from workers.errors import ReadinessError
from workers.text import first_unstorable, unstorable_reason

# Upper bounds of free text, so that no field can carry a file's worth of text into a row.
MAX_NAME_CHARS = 200  # names of projects, grids, batches; tags are shorter still
MAX_TAG_CHARS = 100
MAX_DESCRIPTION_CHARS = 10_000
MAX_COLUMN_NAME_CHARS = 1_000  # a column name, target or positive class typed into a request
# More names than any table a person uploads has columns: the list is bounded before it is checked by name.
MAX_KEEP_COLUMNS = 10_000


class UnstorableText(ReadinessError):
    """The text has a character the database cannot store."""

    code = "invalid_text"
    http_status = 422


def has_nul(value: Any) -> bool:
    """Whether `value` holds text the database cannot store (NUL or a lone surrogate); the name is historical."""
    return first_unstorable(value) is not None


def no_nul(value: Any) -> Any:
    """A pydantic validator: `value` unchanged, or a ValueError saying which character cannot be stored."""
    reason = unstorable_reason(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def require_storable(value: Any, what: str) -> Any:
    """`value` unchanged, or `UnstorableText` naming `what` (e.g. "the project name") for the CLI and forms."""
    reason = unstorable_reason(value)
    if reason is not None:
        raise UnstorableText(f"{what[0].upper()}{what[1:]} {reason}.")
    return value


# Checked before the type and its lengths are: pydantic cannot count the characters of a string with a lone
# surrogate, and would answer that it is "not a valid string" instead of saying which character is wrong.
StoredText = Annotated[str, BeforeValidator(no_nul)]
StoredJson = Annotated[dict[str, Any], BeforeValidator(no_nul)]

NameText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS), BeforeValidator(no_nul)]
TagText = Annotated[str, StringConstraints(max_length=MAX_TAG_CHARS), BeforeValidator(no_nul)]
DescriptionText = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_CHARS), BeforeValidator(no_nul)]
ColumnText = Annotated[str, StringConstraints(max_length=MAX_COLUMN_NAME_CHARS), BeforeValidator(no_nul)]
