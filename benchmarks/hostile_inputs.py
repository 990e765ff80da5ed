"""Issue 17's hostile inputs against a real `readiness serve` and the CLI, as one table.

Starts `readiness serve` on 127.0.0.1 (a free port) with a private READINESS_HOME, then throws each hostile
case of issue 17 at the API, the dashboard or the CLI, each under a timeout, and prints: the case, the answer
(HTTP status or exit code, error code, seconds), the peak memory of the API process and of the pooled
inspection processes (psutil) while it ran, and the rows, files and jobs it left behind (counted in the
database and the artifact store before and after: all should be zero).

    python benchmarks/hostile_inputs.py            # about two minutes on a 2-core host

Loopback only; everything it writes is under a temporary home, removed at the end (--keep to look at it).
A killed postmaster is not run here: tests/service/test_database_recovery.py kills it under `serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import text

API = "/api/v1"
CASE_TIMEOUT = 300.0  # seconds a case may take before it is reported as a timeout
MB = 1024 * 1024


@dataclass
class Row:
    case: str
    door: str
    answer: str = ""
    code: str = ""
    seconds: float = 0.0
    api_peak_mb: float = 0.0
    pool_peak_mb: float = 0.0
    left: dict[str, int] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)  # the tables that rows were left in


class Memory:
    """The peak RSS of the API process, and of its pooled inspection processes, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.api = self.pool = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.api = max(self.api, self.process.memory_info().rss)
                for child in self.process.children(recursive=True):
                    if "forkserver" in " ".join(child.cmdline()):
                        self.pool = max(self.pool, child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class Service:
    """`readiness serve` on a free loopback port with a private home; its database and artifact store."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = os.environ | {"READINESS_HOME": str(home)}
        self.env.pop("READINESS_DATABASE_URL", None)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (home / "serve.log").open("wb")
        self.engine: Any = None

    def cli(self, *args: str, timeout: float = CASE_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["readiness", *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["readiness", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}{API}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"readiness serve did not start: {self.home / 'serve.log'}")
        from service.database.embedded import embedded_url
        from service.database.engine import make_engine

        self.engine = make_engine(embedded_url(self.home / "pg"))  # joins the server's embedded Postgres

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def counts(self) -> dict[str, int]:
        """Rows of every app table, queued jobs, and files in the artifact store."""
        with self.engine.connect() as connection:
            tables = connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT LIKE 'procrastinate%' AND tablename <> 'alembic_version'"
                )
            ).scalars()
            counts = {
                f"rows:{name}": int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in list(tables)
            }
            counts["jobs"] = int(
                connection.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one()
            )
        artifacts = self.home / "artifacts"
        counts["files"] = (
            sum(1 for path in artifacts.rglob("*") if path.is_file()) if artifacts.is_dir() else 0
        )
        return counts


def run_case(service: Service, row: Row, act: Callable[[], tuple[str, str]]) -> Row:
    before = service.counts()
    started = time.monotonic()
    assert service.process is not None
    with Memory(service.process.pid) as memory:
        try:
            row.answer, row.code = act()
        except (httpx.TimeoutException, subprocess.TimeoutExpired):
            row.answer, row.code = "timeout", ""
    row.seconds = time.monotonic() - started
    row.api_peak_mb, row.pool_peak_mb = memory.api / MB, memory.pool / MB
    after = service.counts()
    grown = {what: after[what] - before.get(what, 0) for what in after}
    row.left = {
        "rows": sum(n for what, n in grown.items() if what.startswith("rows:")),
        "files": grown["files"],
        "jobs": grown["jobs"],
    }
    row.tables = sorted(
        what.removeprefix("rows:") for what, n in grown.items() if what.startswith("rows:") and n
    )
    print(row, flush=True)
    return row


def http_answer(response: httpx.Response) -> tuple[str, str]:
    try:
        code = str(response.json().get("code", ""))
    except (ValueError, AttributeError):
        code = ""
    return str(response.status_code), code


def cli_answer(done: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    said = (done.stderr + done.stdout).strip().splitlines()
    traceback = " (traceback!)" if any(line.startswith("Traceback") for line in said) else ""
    errors = [line for line in said if line.startswith(("Error", "- "))] or said[-1:]
    return f"exit {done.returncode}{traceback}", errors[0][:90] if errors else ""


# the hostile files ---------------------------------------------------------------------------------------


def wide_csv(path: Path, columns: int = 20_000, rows: int = 100) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 10, size=(rows, columns)), columns=[f"c{i}" for i in range(columns)])
    frame["label"] = np.where(np.arange(rows) % 2 == 0, "yes", "no")
    frame.to_csv(path, index=False)
    return path


def parquet_bomb(path: Path, rows: int) -> Path:
    """`rows` × 2 columns of near-constant values, zstd: a few hundred KB on disk, gigabytes once read."""
    x = pa.array(np.arange(rows, dtype=np.int64) % 97)
    label = pa.array(np.arange(rows, dtype=np.int64) % 2)
    pq.write_table(pa.table({"x": x, "label": label}), path, compression="zstd", row_group_size=1_000_000)
    return path


def deep_batch(path: Path, depth: int = 10_000) -> Path:
    path.write_text("name: deep\nitems:\n  - " + "[" * depth + "]" * depth + "\n")
    return path


def alias_bomb(path: Path) -> Path:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path.write_text("\n".join(lines) + "\n")
    return path


def duplicate_groups(path: Path) -> Path:
    frame = pd.DataFrame({"x": [1.0] * 60 + [2.0] * 60, "label": ["a"] * 60 + ["b"] * 60})
    frame.to_csv(path, index=False)
    return path


# the cases -------------------------------------------------------------------------------------------------


def anonymous_upload(service: Service, project_id: str, declared: int = 300 * MB) -> tuple[str, str]:
    """A multipart upload without a key that claims 300 MB: send its body a megabyte at a time until the
    server answers; the answer says how much of it was sent (read or not) before the 401."""
    boundary = "hostile"
    head = (
        f"POST {API}/projects/{project_id}/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        connection.sendall(head)
        chunk = b"1," * (MB // 2)
        answer = b""
        while sent < declared:
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                answer = connection.recv(65536)
                break
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        if not answer:
            connection.settimeout(30)
            answer = connection.recv(65536)
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "no answer"
    code = re.search(rb'"code":"([^"]+)"', answer)
    return f"{status} after {sent / MB:.0f} of {declared // MB} MB sent", code.group(
        1
    ).decode() if code else ""


def signed_in(service: Service, key: str) -> httpx.Client:
    """A browser signed in to the dashboard (its session row is made here, before any case counts)."""
    browser = httpx.Client(base_url=service.base, timeout=CASE_TIMEOUT)
    form = browser.get("/login")
    token = re.search(r'name="login_token" value="([^"]*)"', form.text)
    assert token, "no login form"
    browser.post("/login", data={"api_key": key, "login_token": token.group(1), "next": "/projects"})
    return browser


def dashboard_start(browser: httpx.Client, project_id: str, dataset_id: str) -> tuple[str, str]:
    page = browser.get(f"/projects/{project_id}/assessments/new")
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    assert csrf, "no start form"
    answer = browser.post(
        f"/projects/{project_id}/assessments/new",
        data={"csrf_token": csrf.group(1), "dataset_id": dataset_id, "max_epochs": "20000"},
    )
    said = re.search(r"less than or equal to [0-9,]+", answer.text)
    return str(answer.status_code), f"form: {said.group(0)}" if said else ""


def parquet_in_process(path: Path) -> float:
    """Peak RSS growth (MB) of a fresh process inspecting `path` itself, as the API process did before the
    pool: what the request's process would have grown by."""
    probe = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from service.artifacts import ArtifactStore\n"
        "from service.datasets.intake import inspect_upload\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "inspect_upload(Path(sys.argv[1]), target='label', positive=None, max_bytes=2**40,"
        " artifacts=ArtifactStore(Path(sys.argv[2])), apart=False)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)\n"
    )
    with tempfile.TemporaryDirectory(dir="/tmp") as store:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(path), store],
            capture_output=True,
            text=True,
            timeout=CASE_TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return float("nan")
    return float(done.stdout.strip().splitlines()[-1])


def cases(service: Service, work: Path) -> Iterator[Row]:
    key = service.cli("keys", "create", "--team", "hostile").stdout.strip().split()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    http = httpx.Client(base_url=service.base, headers=headers, timeout=CASE_TIMEOUT)
    project = http.post(f"{API}/projects", json={"name": "hostile"}).json()["id"]
    datasets = f"{API}/projects/{project}/datasets"
    examples = Path(__file__).resolve().parent.parent / "examples"

    def upload(path: Path, target: str = "label") -> httpx.Response:
        with path.open("rb") as handle:
            return http.post(datasets, files={"file": (path.name, handle)}, data={"target": target})

    wide = wide_csv(work / "wide_20k_columns.csv")
    yield run_case(
        service, Row("wide CSV, 20,000 columns × 100 rows", "API"), lambda: http_answer(upload(wide))
    )
    bomb = parquet_bomb(work / "bomb_30M.parquet", 30_000_000)
    yield run_case(
        service,
        Row(f"Parquet bomb, 30 M rows × 2 ({bomb.stat().st_size // 1024} KB zstd)", "API"),
        lambda: http_answer(upload(bomb)),
    )
    small_bomb = parquet_bomb(work / "bomb_9_9M.parquet", 9_900_000)
    taken = run_case(
        service,
        Row(f"Parquet bomb under the limits, 9.9 M rows × 2 ({small_bomb.stat().st_size // 1024} KB)", "API"),
        lambda: http_answer(upload(small_bomb)),
    )
    yield taken
    yield Row(
        "  the same, inspected in the request's process (before the pool)",
        "in-process",
        answer="(measured)",
        api_peak_mb=parquet_in_process(small_bomb),
    )
    yield run_case(
        service, Row("anonymous upload claiming 300 MB", "API"), lambda: anonymous_upload(service, project)
    )
    example = examples / "breast_cancer.csv"
    dataset = upload(example, target="diagnosis").json()["id"]  # what the option cases start on
    yield run_case(
        service,
        Row("max_epochs: 20000", "API"),
        lambda: http_answer(
            http.post(
                f"{API}/projects/{project}/assessments",
                json={"dataset_id": dataset, "max_epochs": 20000},
            )
        ),
    )
    browser = signed_in(service, key)
    yield run_case(
        service, Row("max_epochs: 20000", "dashboard"), lambda: dashboard_start(browser, project, dataset)
    )
    browser.close()
    yield run_case(
        service,
        Row("--max-epochs 20000", "CLI"),
        lambda: cli_answer(
            service.cli("assess", str(example), "--target", "diagnosis", "--max-epochs", "20000")
        ),
    )
    deep = deep_batch(work / "deep.yaml")
    yield run_case(
        service,
        Row("batch YAML nested 10,000 deep", "API"),
        lambda: http_answer(http.post(f"{API}/batches", files={"spec": ("deep.yaml", deep.read_bytes())})),
    )
    yield run_case(
        service,
        Row("batch YAML nested 10,000 deep", "CLI"),
        lambda: cli_answer(service.cli("submit", str(deep))),
    )
    bomb_yaml = alias_bomb(work / "answers_bomb.yaml")
    yield run_case(
        service,
        Row("answers YAML alias bomb (9 levels × 9)", "CLI"),
        lambda: cli_answer(
            service.cli("assess", str(example), "--target", "diagnosis", "--answers", str(bomb_yaml))
        ),
    )
    yield run_case(
        service,
        Row("--max-file-mb nan", "CLI"),
        lambda: cli_answer(
            service.cli("assess", str(example), "--target", "diagnosis", "--max-file-mb", "nan")
        ),
    )
    yield run_case(
        service,
        Row("--test-budget 99999999999999999999", "CLI"),
        lambda: cli_answer(
            service.cli(
                "assess", str(example), "--target", "diagnosis", "--test-budget", "99999999999999999999"
            )
        ),
    )
    dup = duplicate_groups(work / "two_duplicate_groups.csv")
    yield run_case(
        service, Row("rows in two duplicate groups", "API upload"), lambda: http_answer(upload(dup))
    )
    yield run_case(
        service,
        Row("rows in two duplicate groups", "CLI"),
        lambda: cli_answer(service.cli("assess", str(dup), "--target", "label", "--no-deep")),
    )
    del taken
    http.close()


def markdown(rows: list[Row]) -> str:
    lines = [
        "| case | door | answer | code | s | API peak MB | pool peak MB | rows / files / jobs left |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        left = (
            " / ".join(str(row.left.get(what, "")) for what in ("rows", "files", "jobs")) if row.left else "—"
        )
        left += f" ({', '.join(row.tables)})" if row.tables else ""
        pool = f"{row.pool_peak_mb:,.0f}" if row.pool_peak_mb else "—"
        lines.append(
            f"| {row.case} | {row.door} | {row.answer} | {row.code} | {row.seconds:.1f} | "
            f"{row.api_peak_mb:,.0f} | {pool} | {left} |"
        )
    return "\n".join(lines)


@contextmanager
def serving(home: Path) -> Iterator[Service]:
    service = Service(home)
    try:
        service.start()
        yield service
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home and the hostile files.")
    parser.add_argument("--json", type=Path, help="Also write the rows as JSON here.")
    options = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="rh.", dir="/tmp"))  # short: Postgres's socket path limit
    work = home / "hostile"
    work.mkdir()
    rows: list[Row] = []
    try:
        with serving(home) as service:
            rows.extend(cases(service, work))
    finally:
        if not options.keep:
            shutil.rmtree(home, ignore_errors=True)
    print(markdown(rows))
    if options.json:
        options.json.write_text(json.dumps([row.__dict__ for row in rows], indent=2))


if __name__ == "__main__":
    main()
