"""The API key is checked before a large request body is read.

FastAPI parses a multipart body (spooling it to a temporary file) before it solves any dependency, the
key check included: an anonymous client could make the server read 300 MB only to be told 401. This ASGI
middleware looks at the `Authorization` header of every request that carries an upload, a streamed body
or a body over SMALL_BODY_BYTES to an operation needing a key (one the OpenAPI document marks with
`security`: every one whose dependencies include `current_key`), checks the key against the database in
a short session of its own, and answers 401 `{"detail", "code": "unauthorized"}` with `WWW-Authenticate`
at once, before a byte of the body is received. The route's own `current_key` dependency then takes the
key it checked from the request's state instead of a second lookup; a small body is left to that
dependency alone. Unknown paths, /api/v1/health, the docs and the dashboard (cookie sessions) pass
through untouched.
"""
from __future__ import annotations

import re
from typing import Any

import anyio.to_thread
from sqlmodel import Session
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth import Unauthorized, authenticate
from service.web.errors import DATABASE_ERRORS, database_error, error_response
from workers.errors import ReadinessError

API_PREFIX = "/api/v1"
CHECKED_KEY = "checked_api_key"
SMALL_BODY_BYTES = 64 * 1024  # reading this much before the route's own 401 costs less than a lookup  # request.state attribute: the key this middleware already checked


def keyed_operations(openapi: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every operation the OpenAPI document says needs a key (`security`)."""
    keyed = []
    for path, operations in openapi.get("paths", {}).items():
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security"):
                keyed.append((method.upper(), compile_path(path)[0]))
    return keyed


def _bearer(headers: Headers) -> str | None:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials


def _large_body(headers: Headers) -> bool:
    """An upload, a streamed body, or one over SMALL_BODY_BYTES: worth refusing before it is read."""
    if headers.get("content-type", "").lower().startswith("multipart/") or "transfer-encoding" in headers:
        return True
    length = headers.get("content-length", "0").strip()
    return not length.isdigit() or int(length) > SMALL_BODY_BYTES


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length", "0").strip()
    return "transfer-encoding" in headers or not length.isdigit() or int(length) > 0


class AuthFirst:
    """ASGI middleware: 401 for an API request without a valid key, before its body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._keyed: list[tuple[str, re.Pattern[str]]] | None = None

    def _needs_key(self, scope: Scope) -> bool:
        path = str(scope.get("path", ""))
        if not path.startswith(API_PREFIX + "/"):
            return False
        if self._keyed is None:
            self._keyed = keyed_operations(scope["app"].openapi())
        # Only an operation the request reaches (path and method): an unknown path stays a 404, a wrong
        # method a 405, whoever asks.
        method = scope.get("method", "GET")
        return any(method == want and pattern.match(path) for want, pattern in self._keyed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _large_body(Headers(scope=scope)) or not self._needs_key(scope):
            # Without a body worth refusing early, the route's own key check answers the same 401, and a
            # second lookup here would cost every small request (a third of scoring's throughput).
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        bearer = _bearer(headers)
        engine = scope["app"].state.engine

        def check() -> None:
            with Session(engine) as session:
                key = authenticate(session, bearer)
                session.expunge(key)  # its columns stay loaded: the route reads them, nothing more
            # The route's own `current_key` takes it from here rather than looking it up a second time.
            scope.setdefault("state", {})[CHECKED_KEY] = key

        try:
            if bearer is None:
                raise Unauthorized()
            await anyio.to_thread.run_sync(check)
        except ReadinessError as error:
            await self._refuse(error, headers)(scope, receive, send)
            return
        except DATABASE_ERRORS as error:
            await self._refuse(database_error(error), headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _refuse(error: ReadinessError, request_headers: Headers) -> Response:
        headers = dict(getattr(error, "headers", None) or {})
        if _has_body(request_headers):
            # The body is left unread: without this the server would go on reading (and dropping) all of it
            # to keep the connection open for the next request.
            headers["Connection"] = "close"
        return error_response(error.http_status, error.detail, error.code, headers)
