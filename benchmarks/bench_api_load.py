"""Load on a live `readiness serve`: many concurrent clients mixing API reads, project scoring and
signed-in dashboard pages, then project scoring alone. Reports requests/s, p50/p99 and every 5xx.

    python benchmarks/bench_api_load.py                       # 200 clients, 60 s mixed, 20 s scoring
    python benchmarks/bench_api_load.py --workers 1 2         # side by side: 1 and 2 uvicorn workers

The server runs on a fresh READINESS_HOME (its own embedded Postgres) on 127.0.0.1; nothing else is
contacted. Each configuration is measured in the same run, so the ratios between them are what to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import Request, Results, run_load

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
# The README's example questionnaire: every section answered, so scoring does its whole work.
ANSWERS = {
    section: value
    for section, value in yaml.safe_load((ROOT / "examples" / "answers.yaml").read_text()).items()
    if isinstance(value, dict)
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _readiness() -> str:
    script = Path(sys.executable).parent / "readiness"
    return str(script) if script.exists() else "readiness"


class Server:
    """`readiness serve --no-worker` on a fresh home, its admin key and one-time login link read from its
    output."""

    def __init__(self, workers: int) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="rdy-load-", dir="/tmp"))
        self.port = _free_port()
        self.log = self.home / "serve.log"
        command = [_readiness(), "serve", "--no-worker", "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        env = {**os.environ, "READINESS_HOME": str(self.home)}
        self.process = subprocess.Popen(command, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        self.key, self.link = self._wait_ready()

    def _wait_ready(self) -> tuple[str, str]:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"http://{HOST}:{self.port}/api/v1/health", timeout=2)
                text = self.log.read_text()
                key = re.search(r"(rdy_\S+)", text)
                link = re.search(r"(http://\S+/login/\S+)", text)
                if key and link:
                    return key.group(1), link.group(1)
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"serve did not start:\n{self.log.read_text()}")

    def call(self, method: str, path: str, body: object | None = None, cookie: str | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://{HOST}:{self.port}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def session_cookie(self) -> str:
        """Spend the login link: the dashboard's session cookie."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            answer = opener.open(self.link, timeout=30)
        except urllib.error.HTTPError as redirect:  # the 303 to the projects page carries the cookie
            answer = redirect
        cookie = answer.headers.get("Set-Cookie", "")
        return cookie.split(";", 1)[0]

    def stop(self, keep_log: bool = False) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if keep_log:
            kept = Path(tempfile.mkdtemp(prefix="rdy-load-log-")) / "serve.log"
            shutil.copy(self.log, kept)
            print(f"server errors: see {kept}", file=sys.stderr)
        shutil.rmtree(self.home, ignore_errors=True)


def _requests(server: Server) -> tuple[list[Request], list[Request]]:
    project = server.call("POST", "/api/v1/projects", {"name": "load", "answers": ANSWERS})
    assert isinstance(project, dict)
    pid = project["id"]
    auth = (("Authorization", f"Bearer {server.key}"),)
    json_auth = (*auth, ("Content-Type", "application/json"))
    cookie = (("Cookie", server.session_cookie()),)
    score = Request("score", "POST", "/api/v1/score", json_auth, json.dumps({"answers": ANSWERS}).encode())
    mixed = [
        Request("api: list projects", "GET", "/api/v1/projects", auth),
        Request("api: get project", "GET", f"/api/v1/projects/{pid}", auth),
        score,
        Request("api: create project", "POST", "/api/v1/projects", json_auth, json.dumps({"name": "p"}).encode()),
        Request("dashboard: projects", "GET", "/projects", cookie),
        Request("dashboard: project", "GET", f"/projects/{pid}", cookie),
    ]
    return mixed, [score]


def _rows(label: str, results: Results) -> list[str]:
    rows = []
    for kind in sorted(results.latencies):
        n = results.count(kind)
        rows.append(
            f"| {label} | {kind} | {n:,} | {n / results.seconds:,.0f} | "
            f"{results.percentile(50, kind) * 1000:.1f} | {results.percentile(99, kind) * 1000:.1f} | "
            f"{results.server_errors(kind)} | {results.errors[kind]} |"
        )
    n = results.count()
    rows.append(
        f"| {label} | **all** | {n:,} | **{n / results.seconds:,.0f}** | {results.percentile(50) * 1000:.1f} | "
        f"{results.percentile(99) * 1000:.1f} | **{results.server_errors()}** | {sum(results.errors.values())} |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="of the mixed load")
    parser.add_argument("--score-clients", type=int, default=32)
    parser.add_argument("--score-seconds", type=float, default=20.0)
    args = parser.parse_args()
    table = [
        "| run | requests | count | req/s | p50 ms | p99 ms | 5xx | connection errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workers in args.workers:
        server = Server(workers)
        failed = False
        try:
            mixed, scoring = _requests(server)
            loop = asyncio.new_event_loop()
            warm = loop.run_until_complete(run_load(HOST, server.port, mixed, clients=8, seconds=3))
            del warm
            results = loop.run_until_complete(
                run_load(HOST, server.port, mixed, clients=args.clients, seconds=args.seconds)
            )
            table += _rows(f"{workers} worker(s), {args.clients} clients, mixed", results)
            failed |= results.server_errors() > 0
            results = loop.run_until_complete(
                run_load(HOST, server.port, scoring, clients=args.score_clients, seconds=args.score_seconds)
            )
            table += _rows(f"{workers} worker(s), {args.score_clients} clients, scoring only", results)
            failed |= results.server_errors() > 0
            loop.close()
        finally:
            server.stop(keep_log=failed)
        print("\n".join(table), flush=True)


if __name__ == "__main__":
    main()
