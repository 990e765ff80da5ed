"""How many requests one API process lets in at once, and what the others do meanwhile.

Sync routes and dependencies run on AnyIO's thread pool, and FastAPI needs a thread again after a route
returns (to validate the response model) while the route's session still holds its database connection.
With more requests inside than connections, every thread can end up waiting for a connection that is held
by a request waiting for a thread: the server deadlocks until the pool's timeout answers 500s. (Measured:
200 clients, 15 requests/s and 503s on 2 cores.) So a request is let in only when it can finish:

- at most `limit` requests are inside the app at once (uploads have a lane of their own, so a few slow
  uploads cannot hold every slot); the rest wait here, on the event loop, holding neither a thread nor a
  connection;
- the thread pool has a thread for every request inside, and the connection pool two connections for
  each (`service.app.api_engine`): nobody inside waits on either for long;
- a request that waits longer than `wait_seconds` to get in is answered 503 `server_busy` with
  Retry-After: the server degrades under load, it does not break.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


def upload_lane_size(limit: int) -> int:
    return max(2, limit // 4)


def is_upload(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return value.lower().startswith(b"multipart/")
    return False


class ConcurrencyLimit:
    """ASGI middleware: at most `limit` requests (and `upload_lane_size(limit)` uploads) inside at once."""

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        # Per event loop: an asyncio semaphore belongs to the loop it first waits on (tests start several).
        self._lanes: dict[int, tuple[asyncio.Semaphore, asyncio.Semaphore]] = {}

    def _lane(self, scope: Scope) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        if loop not in self._lanes:
            self._lanes[loop] = (asyncio.Semaphore(self.limit), asyncio.Semaphore(upload_lane_size(self.limit)))
        requests, uploads = self._lanes[loop]
        return uploads if is_upload(scope) else requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lane = self._lane(scope)
        try:
            await asyncio.wait_for(lane.acquire(), self.wait_seconds)
        except TimeoutError:
            logger.warning("%s %s waited %.0f s to be served; answered 503", scope["method"], scope["path"], self.wait_seconds)
            busy = JSONResponse(
                {
                    "detail": f"The server is busy: this request waited {self.wait_seconds:g} s for its turn. "
                    f"Try again in {RETRY_AFTER_SECONDS} s.",
                    "code": "server_busy",
                },
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            lane.release()
