"""A small closed-loop HTTP/1.1 load generator over asyncio streams: N clients, each with one keep-alive
connection, sending requests back to back for a fixed time. Loopback only; bounded in time and count.

Hand-written rather than httpx so that the client costs little CPU: the server under test shares the
same two cores, and a heavy client would measure itself.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_REQUESTS = 5_000_000  # a bound on any run, whatever its duration


@dataclass(frozen=True)
class Request:
    kind: str  # the label results are grouped by
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class Results:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # connection-level failures

    def count(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.latencies)
        return sum(len(self.latencies[k]) for k in kinds)

    def server_errors(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.statuses)
        return sum(n for k in kinds for status, n in self.statuses[k].items() if status >= 500)

    def percentile(self, q: float, kind: str | None = None) -> float:
        """Seconds."""
        kinds = [kind] if kind else list(self.latencies)
        values = sorted(v for k in kinds for v in self.latencies[k])
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q / 100 * len(values)))]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, body
    return status, await reader.readexactly(int(headers.get("content-length", "0")))


async def _client(
    host: str, port: int, requests: list[Request], deadline: float, results: Results, offset: int
) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    for request in itertools.islice(itertools.cycle(requests), offset, None):
        if time.monotonic() >= deadline or results.count() >= MAX_REQUESTS:
            break
        start = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port)
            reader, writer = connection
            writer.write(request.encode(host, port))
            await writer.drain()
            status, _ = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            results.errors[request.kind] += 1
            if connection is not None:
                connection[1].close()
            connection = None
            await asyncio.sleep(0.05)
            continue
        results.latencies[request.kind].append(time.perf_counter() - start)
        results.statuses[request.kind][status] += 1
    if connection is not None:
        connection[1].close()


async def run_load(host: str, port: int, requests: list[Request], *, clients: int, seconds: float) -> Results:
    """`clients` connections cycle through `requests` (each starting at another one) for `seconds`."""
    if host not in LOOPBACK:
        raise ValueError(f"load is sent to the loopback only, not {host!r}")
    results = Results()
    start = time.monotonic()
    deadline = start + seconds
    await asyncio.gather(
        *(_client(host, port, requests, deadline, results, i % len(requests)) for i in range(clients))
    )
    results.seconds = time.monotonic() - start
    return results
