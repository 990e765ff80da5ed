"""The internal dashboard: server-rendered pages on the API's own app, signed in with an API key.

Pages live at the site's root (`/projects`, `/assessments/{id}`, …) beside the API at `/api/v1`; they read
and write the same rows through the same service functions, and see only the signed-in key's team.
"""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.dashboard.errors import install_page_errors
from service.dashboard.pages import pages_router
from service.dashboard.templating import STATIC_DIR, STATIC_PATH


def install_dashboard(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to the API's app."""
    app.include_router(pages_router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
