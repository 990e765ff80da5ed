"""The OpenAPI document as the API answers: every error is `{"detail", "code"}` (ErrorPublic), with
`"field"` when it is about one input of the request.

FastAPI documents a 422 as its own `HTTPValidationError` (`{"detail": [{loc, msg, type}]}`), which this API
never sends (`service.web.errors` turns validation errors into one sentence and a code), and it leaves out
the 401 that every operation needing a key answers (`service.web.auth_first`). The document is corrected
once, when first built: each keyed operation (one with `security`) documents 401 and 503, each with a body
400 and 413, each with a path id 404, each 422 shows ErrorPublic, and FastAPI's validation schemas, then
unreferenced, are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from service.web.errors import ErrorPublic
from workers.rubric.questionnaire import Answers

ERROR_REF = "#/components/schemas/ErrorPublic"
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
UNAUTHORIZED = "No API key, or an unknown or revoked one (`unauthorized`); sent before the body is read."
MALFORMED = "The body could not be parsed (`malformed_request`): not UTF-8, or broken multipart."
TOO_LARGE = "The body is over READINESS_MAX_JSON_MB, or an upload over READINESS_MAX_UPLOAD_MB."
NOT_FOUND = "No such resource in your team (`not_found`); a malformed id is as unknown as any other."
BUSY = "Busy or away (`server_busy`, `database_busy`, `database_unavailable`): retry after Retry-After."
INVALID = (
    "The request is not valid: `detail` names each bad field, `code` says what kind of error, and `field`, "
    "when the error is about one input, names it."
)


def _document(responses: dict[str, Any], status: str, description: str) -> None:
    """An error answer the operation can give, as ErrorPublic (a route's own description kept)."""
    answer = responses.setdefault(status, {"description": description})
    answer["content"] = _error_content()


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ERROR_REF}}}


def correct(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with the 401s and 422s this API really answers (changed in place, and returned)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "ErrorPublic", ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    _add_questionnaire(components)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                unauthorized = responses.setdefault("401", {"description": UNAUTHORIZED})
                unauthorized["content"] = _error_content()
                unauthorized.setdefault("headers", {})["WWW-Authenticate"] = {
                    "description": "`Bearer`",
                    "schema": {"type": "string"},
                }
            if operation.get("requestBody"):
                _document(responses, "400", MALFORMED)
                _document(responses, "413", TOO_LARGE)
            if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
                _document(responses, "404", NOT_FOUND)
            if operation.get("security"):
                _document(responses, "503", BUSY)
            if "422" in responses:
                invalid = responses["422"]
                if invalid.get("description") in (None, "Validation Error"):
                    invalid["description"] = INVALID
                invalid["content"] = _error_content()
    text = json.dumps(schema.get("paths", {}))
    for name in FASTAPI_VALIDATION_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in text:
            components.pop(name, None)
    return schema


def _add_questionnaire(components: dict[str, Any]) -> None:
    """The questionnaire's sections, questions, allowed values and explanations, which request bodies'
    `answers` refer to (service.projects.requests.AnswersJson)."""
    schema = Answers.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("Answers", schema)


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json, /docs) serve the corrected document."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = correct(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
