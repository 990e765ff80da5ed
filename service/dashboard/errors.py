"""What a browser sees when a page cannot be shown: a page in the dashboard's layout, never JSON.

The API keeps its `{"detail", "code"}` answers: the handlers here only take over for paths outside the
API and its docs, and hand everything else to the handler the API installed.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from service.dashboard.templating import render
from workers.errors import ReadinessError

logger = logging.getLogger(__name__)

# Paths that belong to the API: their errors stay JSON.
API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json")
TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    500: "Something went wrong",
}


class PageError(Exception):
    """A page that cannot be shown, with the status and sentence the error page gives."""

    status = 400

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class PageNotFound(PageError):
    # Another team's record answers exactly like an unknown id: its existence is not confirmed.
    status = 404


class CsrfRejected(PageError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "This form was not sent from your current dashboard session (its security token is missing "
            "or wrong). Go back, reload the page and try again."
        )


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page, which returns it to `next_path`."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATHS)


def error_page(request: Request, status: int, detail: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": TITLES.get(status, f"Error {status}"), "detail": detail, "status": status},
        status_code=status,
    )


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_path, safe='/')}", status_code=303)


def _page_for(request: Request, exc: Exception) -> Response:
    """The error page for an exception that escaped a dashboard route."""
    if isinstance(exc, HTTPException):
        detail = {
            404: "There is no such page. Check the address, or start from the projects list.",
            405: f"{request.method} is not allowed on this page.",
            413: "The upload is larger than the server's limit (READINESS_MAX_UPLOAD_MB).",
        }.get(exc.status_code, str(exc.detail))
        return error_page(request, exc.status_code, detail)
    if isinstance(exc, ReadinessError):
        return error_page(request, exc.http_status, exc.detail)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 400, "The address or form has a value this page cannot use.")
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "This is a bug in Readiness, not something you did.")


def install_page_errors(app: FastAPI) -> None:
    """Register the dashboard's handlers; call after the API's own, which keep answering API paths."""

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return error_page(request, exc.status, exc.detail)

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return sign_in_redirect(exc.next_path)

    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
    for kind in (HTTPException, ReadinessError, RequestValidationError, Exception):
        api_handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, api_handler=api_handler) -> Response:
            if is_api_path(request.url.path):
                return await api_handler(request, exc)
            return _page_for(request, exc)

        app.add_exception_handler(kind, handler)
