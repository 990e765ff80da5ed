"""Rendering dashboard pages: the Jinja environment, the number filters shared with the reports, and the
headers every page carries."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from workers.report.html import REPORT_FILTERS

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static"

# Pages load only their own scripts and styles; SVG charts are inline markup, not fetched.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show a team's data: never kept by a shared cache or the back button
}


@cache
def static_url(name: str) -> str:
    """The file's URL with a fingerprint of its content, so a new release is never served stale."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"{STATIC_PATH}/{name}?v={digest}"


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # names, labels and messages come from users and their data
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(REPORT_FILTERS, combine=lambda first, second: {**first, **second})
    env.globals["static_url"] = static_url
    return Jinja2Templates(env=env)


templates = _templates()


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """A page in the dashboard's layout; the signed-in person (if any) and their CSRF token come along."""
    signed_in = getattr(request.state, "signed_in", None)
    page = {"signed_in": signed_in, "csrf_token": signed_in.csrf_token if signed_in else "", **context}
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
