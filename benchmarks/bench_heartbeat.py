"""How late a worker's heartbeat comes while the worker trains and every core is oversubscribed: the
jitter that `READINESS_STALLED_WORKER_SECONDS` must leave a margin over.

    python benchmarks/bench_heartbeat.py                 # idle, then 4 busy loops per core
    python benchmarks/bench_heartbeat.py --busy 0 2 4 8

Runs the README's first command (`readiness assess` on breast cancer, its worker in-process) on a fresh
READINESS_HOME with a 1 s heartbeat, and samples the age of every worker's last heartbeat ten times a
second from another connection. Loopback and a unix socket only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
HEARTBEAT_SECONDS = 1.0
SAMPLE_SECONDS = 0.1
BUSY_LOOP = "import time\nend = time.monotonic() + 1800\nwhile time.monotonic() < end: pass"


def _readiness() -> str:
    script = Path(sys.executable).parent / "readiness"
    return str(script) if script.exists() else "readiness"


def _sample(home: Path, stop: threading.Event, ages: list[float]) -> None:
    socket_dir = home / "pg"
    connection = None
    while not stop.is_set():
        try:
            if connection is None:
                connection = psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True)
            row = connection.execute(
                "SELECT max(extract(epoch FROM now() - last_heartbeat)) FROM procrastinate_workers"
            ).fetchone()
            if row and row[0] is not None:
                ages.append(float(row[0]))
        except psycopg.Error:
            connection = None  # not started yet, or the tables do not exist yet
        time.sleep(SAMPLE_SECONDS)
    if connection is not None:
        connection.close()


def measure(busy_per_core: int) -> tuple[float, float, float, int]:
    """(wall seconds, p99 age, max age, exit code) of one assessment under `busy_per_core` loops a core."""
    home = Path(tempfile.mkdtemp(prefix="rdy-hb-", dir="/tmp"))
    env = {
        **os.environ,
        "READINESS_HOME": str(home),
        "READINESS_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
    }
    loops = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy_per_core * (os.cpu_count() or 1))]
    ages: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(home, stop, ages), daemon=True)
    sampler.start()
    start = time.monotonic()
    try:
        command = [
            _readiness(), "assess", str(ROOT / "examples" / "breast_cancer.csv"), "--target", "diagnosis",
            "--positive", "malignant", "--quiet",
        ]
        code = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800).returncode
    finally:
        wall = time.monotonic() - start
        stop.set()
        sampler.join(5)
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait()
        shutil.rmtree(home, ignore_errors=True)
    ordered = sorted(ages) or [float("nan")]
    return wall, ordered[int(0.99 * (len(ordered) - 1))], ordered[-1], code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 4], help="busy loops per core")
    args = parser.parse_args()
    print(f"| busy loops per core | assessment wall s | heartbeat age p99 s | max s | exit | (beat every {HEARTBEAT_SECONDS:g} s)")
    print("|---|---|---|---|---|")
    for busy in args.busy:
        wall, p99, worst, code = measure(busy)
        print(f"| {busy} | {wall:.1f} | {p99:.2f} | {worst:.2f} | {code} |", flush=True)


if __name__ == "__main__":
    main()
