"""What the client raises: the server's `{detail, code, field}` answer as an exception with the same parts."""

from __future__ import annotations

from typing import Any


class ReadinessAPIError(Exception):
    """A request the server refused (4xx) or failed (5xx); `code` is the stable word to branch on."""

    def __init__(self, status_code: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(f"{status_code} {code}: {detail}")
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.field = field

    @classmethod
    def from_body(cls, status_code: int, body: Any, fallback: str) -> ReadinessAPIError:
        """Every error of the API has this shape; anything else (a proxy's HTML page) keeps its text."""
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            detail = body.get("detail")
            return cls(status_code, body["code"], detail if isinstance(detail, str) else str(detail), body.get("field"))
        return cls(status_code, "http_error", fallback.strip()[:500] or f"HTTP {status_code}")


class RunFailed(ReadinessAPIError):
    """`wait` saw an assessment, grid, experiment or batch end failed: its error's code and detail."""

    def __init__(self, what: str, record: Any, code: str, detail: str) -> None:
        super().__init__(200, code, f"{what} {record.id} failed: {detail}")
        self.record = record


class WaitTimedOut(TimeoutError):
    """`wait` gave up before the run ended; the run goes on on the server (`record` is its last state)."""

    def __init__(self, what: str, record: Any, seconds: float) -> None:
        super().__init__(f"{what} {record.id} has not ended after {seconds:g} s (status {record.status})")
        self.record = record
