"""Request bodies over their limit are refused as they arrive, before anything is spooled to disk or parsed.

FastAPI reads a multipart body (to a temporary file) before any dependency runs, the API key check
included, so without this gate anyone could fill the disk with one long request. Only a multipart body can
carry a file, so only it gets the upload limit (READINESS_MAX_UPLOAD_MB); every other body (JSON, a
dashboard form) is a few fields of text and gets the far smaller READINESS_MAX_JSON_MB: a 50 MB JSON
"description" is refused before it is read, let alone parsed into memory or written to a row.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import DEFAULT_MAX_JSON_MB
from service.web.errors import error_response, too_large_detail
from workers.errors import ReadinessError

MULTIPART = "multipart/form-data"


class _TooLarge(ReadinessError, HTTPException):
    """A body over its limit. An HTTPException too, so that FastAPI re-raises it from its body parsing (any
    other exception there becomes a 400 "error parsing the body"); a ReadinessError first, so that the app's
    handler of those answers it with this class's own code."""

    http_status = 413

    def __init__(self, detail: str) -> None:
        # Not the cooperative __init__s: HTTPException's would take `detail` for a status code.
        Exception.__init__(self, detail)
        self.detail = detail
        self.status_code = self.http_status
        self.headers = None


class RequestTooLarge(_TooLarge):
    """A JSON or form body over READINESS_MAX_JSON_MB."""

    code = "request_too_large"


class UploadTooLarge(_TooLarge):
    """A multipart body over READINESS_MAX_UPLOAD_MB (and its form fields' allowance)."""

    code = "file_too_large"


def request_too_large_detail(limit_mb: float) -> str:
    return (
        f"The request body is larger than {limit_mb:g} MB, the limit for a JSON or form body "
        "(READINESS_MAX_JSON_MB). Text fields are short (a description at most 10,000 characters); a file "
        "goes in a multipart/form-data upload."
    )


def _json_limit_mb(scope: Scope) -> float:
    """The running app's setting (Starlette puts the app in the scope before any middleware runs)."""
    app: Any = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return float(getattr(settings, "max_json_mb", DEFAULT_MAX_JSON_MB))


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, upload_limit_mb: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.detail = too_large_detail(upload_limit_mb)

    def _limit(self, scope: Scope, headers: Headers) -> tuple[int, _TooLarge]:
        """The byte limit for this request's body, and the error that refuses a body over it."""
        if headers.get("content-type", "").lower().startswith(MULTIPART):
            return self.max_body_bytes, UploadTooLarge(self.detail)
        limit_mb = _json_limit_mb(scope)
        return int(limit_mb * 1024 * 1024), RequestTooLarge(request_too_large_detail(limit_mb))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, refusal = self._limit(scope, headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, refusal.detail, refusal.code)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body with no declared length
                    raise refusal  # answered {detail, code} by the app's handler of ReadinessError
            return message

        await self.app(scope, counted_receive, send)
