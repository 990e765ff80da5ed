"""Text a database can store: no NUL character (U+0000) and no lone UTF-16 surrogate (U+D800–U+DFFF).

Postgres refuses NUL in text and JSON, and UTF-8 cannot encode half of a surrogate pair (JSON's "\\ud800"
escape, YAML's too, and an undecodable byte on a command line all make one). The pipeline checks what it
hands on (questionnaire answers, column names) with the same rule the service checks requests with.
"""

from __future__ import annotations

import re
from typing import Any

NUL = "\x00"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def first_unstorable(value: Any) -> str | None:
    """The first unstorable character in `value`: a string, or the keys and values of nested dicts and lists."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        return found.group() if found else None
    if isinstance(value, dict):
        items: Any = (part for pair in value.items() for part in pair)
    elif isinstance(value, list | tuple):
        items = value
    else:
        return None
    for item in items:
        if (char := first_unstorable(item)) is not None:
            return char
    return None


def unstorable_reason(value: Any) -> str | None:
    """Why `value` cannot be stored ("must not contain …"), or None when it can."""
    char = first_unstorable(value)
    if char is None:
        return None
    if char == NUL:
        return "must not contain the NUL character (\\u0000)"
    return (
        f"must not contain a lone UTF-16 surrogate (\\u{ord(char):04x}, half of a pair); send valid UTF-8 "
        "text, or in JSON escape a character beyond U+FFFF as a whole pair (\\ud83d\\ude00)"
    )
