"""Reading posted forms: fields as text, and a model's validation errors as a sentence beside each field.

Forms are validated by the API's own request models, so a value the API refuses is refused here too, in
the same words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from workers.errors import ReadinessError


def text(form: Mapping[str, Any], name: str) -> str:
    """A field's value, stripped; "" for a missing field or a file where text was expected."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number(raw: str, errors: dict[str, str], name: str) -> int | None:
    """A whole number typed into field `name`; None when empty, with an error noted when not a number."""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = f"must be a whole number; got {raw!r}"
        return None


def field_errors(error: ValidationError) -> dict[str, str]:
    """{field: "what is wrong"} for each field a model refused."""
    errors: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        message = str(item["msg"]).removeprefix("Value error, ")
        errors.setdefault(name, message[0].lower() + message[1:] if message else "is invalid")
    return errors


def field_of(error: ReadinessError, fields: Collection[str], default: str) -> str:
    """The form field a refused request's message belongs beside: the one the error names (`error.field`,
    set where it was raised) when this form has it, else `default` (the file, or the form as a whole)."""
    return error.field if error.field is not None and error.field in fields else default
