"""Request bodies over the upload limit are refused as they arrive, before anything is spooled to disk.

FastAPI reads a multipart body (to a temporary file) before any dependency runs, the API key check
included, so without this gate anyone could fill the disk with one long request.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_response, too_large_detail


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, upload_limit_mb: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.detail = too_large_detail(upload_limit_mb)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await error_response(413, self.detail, "file_too_large")(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # a chunked body with no declared length
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counted_receive, send)
