"""The FastAPI application: database checked at head, artifact store, job queue opened for its lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine

from service.api.openapi import install_openapi
from service.api.routes import api_router
from service.artifacts import ArtifactStore
from service.dashboard import install_dashboard
from service.database.engine import make_engine, resolve_database_url
from service.database.migrate import ensure_at_head
from service.jobs.app import make_job_app
from service.settings import Settings
from service.web.auth_first import AuthFirst
from service.web.concurrency import ConcurrencyLimit, upload_lane_size
from service.web.errors import install_error_handlers
from service.web.limits import BodySizeLimit

API_PREFIX = "/api/v1"
API_POOL_WAIT_SECONDS = 5.0  # longer than any healthy request holds a connection; shorter than clients wait
API_QUEUE_WAIT_SECONDS = 30.0  # how long a request may wait for its turn before it is answered 503
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


def inside_at_once(settings: Settings) -> int:
    """Requests inside the app at once: the general lane and the uploads' (`service.web.concurrency`)."""
    return settings.api_threads + upload_lane_size(settings.api_threads)


def api_engine(url: str, settings: Settings) -> Engine:
    """Connections sized to the requests inside at once: one each, and as many again for a request that
    opens a second short transaction of its own (audit rows, job records). A request that still finds
    none free within API_POOL_WAIT_SECONDS is answered 503 with Retry-After, not left waiting."""
    inside = inside_at_once(settings)
    return make_engine(url, pool_size=inside, max_overflow=inside, pool_timeout=API_POOL_WAIT_SECONDS)


def create_app(settings: Settings) -> FastAPI:
    """Build the API for `settings`; refuses (SchemaNotAtHead) a database that is not migrated to head."""
    url = resolve_database_url(settings)
    engine = api_engine(url, settings)
    try:
        ensure_at_head(engine)
    except Exception:
        engine.dispose()
        raise
    job_app = make_job_app(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run on AnyIO's thread pool: a thread for every request let in.
        anyio.to_thread.current_default_thread_limiter().total_tokens = inside_at_once(settings)
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
    app.add_middleware(AuthFirst)  # innermost: the key is checked before the body is read
    # Added first, so it runs inside the body-size check: a refused body never takes a place.
    app.add_middleware(ConcurrencyLimit, limit=settings.api_threads, wait_seconds=API_QUEUE_WAIT_SECONDS)
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        upload_limit_mb=settings.max_upload_mb,
    )
    app.include_router(api_router, prefix=API_PREFIX)
    install_openapi(app)  # the 401s and 422s as answered: {detail, code}
    install_dashboard(app)  # the pages at `/`, after the API's error handlers, which it keeps for API paths
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several API processes (`readiness serve --workers N`): settings from READINESS_*."""
    return create_app(Settings())
