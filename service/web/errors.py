"""Every error the API answers is `{"detail", "code"}`: domain errors with their own status and code,
request validation as one readable sentence, and HTTP errors (unknown route, too large a body) alike. A
domain error about one input adds `"field"`, the name of that input ("target", "seed", "keep_columns")."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from procrastinate.exceptions import ConnectorException
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException

from service.database.engine import DatabaseBusy, DatabaseUnavailable
from workers.errors import ReadinessError

logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "file_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}
MAX_SHOWN_INPUT_CHARS = 60
LOCATION_WORDS = {"query": "query parameter", "path": "path parameter", "header": "header"}


class ErrorPublic(BaseModel):
    """What every 4xx/5xx answer looks like."""

    detail: str
    code: str
    field: str | None = Field(
        default=None,
        description="The request field the error is about, when it is about one (e.g. target, seed, keep_columns).",
    )


class UnsupportedMediaType(ReadinessError):
    """The request body has the wrong content type."""

    code = "unsupported_media_type"
    http_status = 415


def error_response(
    status: int,
    detail: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    field: str | None = None,
) -> JSONResponse:
    """`extra`: what a client needs to act on the error, e.g. the earlier experiment a duplicate points at;
    `field`: the input it is about, left out when unknown (the answer stays `{"detail", "code"}`)."""
    body = {**(extra or {}), "detail": detail, "code": code} | ({"field": field} if field else {})
    return JSONResponse(body, status_code=status, headers=headers)


def too_large_detail(limit_mb: float) -> str:
    return (
        f"The request body is larger than the upload limit of {limit_mb:g} MB "
        "(READINESS_MAX_UPLOAD_MB). Upload a sample of the rows, or raise the limit."
    )


def _field_sentence(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    where, path = (loc[0], loc[1:]) if loc else ("body", [])
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "")
        return f"the body is not valid JSON ({reason})" if reason else "the body is not valid JSON"
    name = ".".join(path)
    if where == "body":
        subject = f"field {name!r}" if name else "the request body"
    else:
        subject = f"{LOCATION_WORDS.get(where, where)} {name!r}"
    if kind == "missing":
        return f"{subject} is required"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else "is invalid"
    shown = repr(error.get("input"))
    got = f" (got {shown})" if len(shown) <= MAX_SHOWN_INPUT_CHARS and kind != "model_attributes_type" else ""
    return f"{subject}: {message}{got}"


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """One sentence naming every bad field, e.g. "Invalid request: query parameter 'limit': input should
    be less than or equal to 100 (got '500')."""
    return "Invalid request: " + "; ".join(_field_sentence(e) for e in errors) + "."


async def _readiness_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReadinessError)
    return error_response(
        exc.http_status,
        exc.detail,
        exc.code,
        getattr(exc, "headers", None),
        getattr(exc, "extra", None),
        field=exc.field,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, validation_detail(list(exc.errors())), "invalid_request")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No such endpoint: {request.method} {request.url.path}. The API is described at /docs."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    elif exc.status_code == 413 and detail == "Content Too Large":
        detail = too_large_detail(request.app.state.settings.max_upload_mb)
    elif exc.status_code == 400 and detail == "There was an error parsing the body":
        multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
        detail = (
            "The request body could not be parsed: a file upload must be well-formed multipart/form-data."
            if multipart
            else "The request body could not be parsed: JSON must be UTF-8 and nested at most a few hundred "
            "levels deep."
        )
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, detail, code, exc.headers)


# A database that is away (restarting, unreachable) or a pool whose connections are all in use is not a
# bug in the request: the client is told to come back (503 + Retry-After), never given a 500.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa.TimeoutError,
    sa.OperationalError,
    sa.InterfaceError,
    ConnectorException,
)


def database_error(exc: Exception) -> ReadinessError:
    if isinstance(exc, sa.TimeoutError):
        return DatabaseBusy()
    logger.warning("the database did not answer: %s", exc)
    return DatabaseUnavailable()


async def _database_error(request: Request, exc: Exception) -> Response:
    # Through whichever ReadinessError handler is installed: the dashboard's shows a page for its paths.
    return await request.app.exception_handlers[ReadinessError](request, database_error(exc))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "Internal error: this is a bug in Readiness, not in your request.", "internal_error"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ReadinessError, _readiness_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
