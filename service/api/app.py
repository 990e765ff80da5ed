"""The FastAPI application: database checked at head, artifact store, job queue opened for its lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from service.api.errors import install_error_handlers
from service.api.limits import BodySizeLimit
from service.api.routes import api_router
from service.artifacts import ArtifactStore
from service.dashboard import install_dashboard
from service.database.engine import make_engine, resolve_database_url
from service.database.migrate import ensure_at_head
from service.jobs.app import make_job_app
from service.settings import Settings

API_PREFIX = "/api/v1"
# Room for the multipart boundaries and the form fields around the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
DESCRIPTION = (
    "Readiness tells a team whether a proposed machine-learning project is worth doing with deep learning, "
    "and proves it on the team's own data. Every endpoint but `/api/v1/health` needs "
    "`Authorization: Bearer <key>` (`readiness keys create --team NAME`). Errors are "
    '`{"detail": "...", "code": "..."}`.'
)


def _version() -> str:
    try:
        return version("readiness")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings) -> FastAPI:
    """Build the API for `settings`; refuses (SchemaNotAtHead) a database that is not migrated to head."""
    url = resolve_database_url(settings)
    engine = make_engine(url)
    try:
        ensure_at_head(engine)
    except Exception:
        engine.dispose()
        raise
    job_app = make_job_app(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        job_app.open()
        try:
            yield
        finally:
            job_app.close()
            engine.dispose()

    app = FastAPI(
        title="Readiness",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.artifacts = ArtifactStore(settings.artifacts_path)
    app.state.job_app = job_app
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        upload_limit_mb=settings.max_upload_mb,
    )
    app.include_router(api_router, prefix=API_PREFIX)
    install_dashboard(app)  # the pages at `/`, after the API's error handlers, which it keeps for API paths
    return app
