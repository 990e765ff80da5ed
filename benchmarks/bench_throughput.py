"""Throughput: 8 small assessments through the service with 1 and with 2 worker processes, side by side.

    python benchmarks/bench_throughput.py                       # 8 assessments, 1 then 2 workers
    python benchmarks/bench_throughput.py --assessments 8 --workers 1 2 --busy 4

Starts `readiness serve --no-worker` and N `readiness worker` processes on a fresh READINESS_HOME (its own
embedded Postgres, loopback only), uploads the breast-cancer example to 8 projects, queues one default
assessment in each (learning curves on: their points are jobs that any worker takes), and times from the
first submission until the last assessment has finished: jobs per hour. `--busy K` runs K busy loops per
core meanwhile, as on a shared GPU host.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_load import HOST, Server, _readiness

ROOT = Path(__file__).resolve().parents[1]
BUSY_LOOP = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end: pass"
FINAL = {"succeeded", "failed", "cancelled"}


def _upload(server: Server, project_id: str) -> str:
    boundary = uuid.uuid4().hex
    parts = [
        (f'--{boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\ndiagnosis\r\n').encode(),
        (f'--{boundary}\r\nContent-Disposition: form-data; name="positive"\r\n\r\nmalignant\r\n').encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="breast_cancer.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + (ROOT / "examples" / "breast_cancer.csv").read_bytes()
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(
        f"http://{HOST}:{server.port}/api/v1/projects/{project_id}/datasets", data=b"".join(parts), method="POST"
    )
    request.add_header("Authorization", f"Bearer {server.key}")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())["id"]


def run(assessments: int, workers: int, busy: int) -> tuple[float, int]:
    """(seconds from the first submission to the last finish, assessments succeeded)."""
    server = Server(1)
    env = {**os.environ, "READINESS_HOME": str(server.home)}
    processes = [
        subprocess.Popen([_readiness(), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    loops = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy * (os.cpu_count() or 1))]
    try:
        ids = []
        queued = []
        for n in range(assessments):
            project = server.call("POST", "/api/v1/projects", {"name": f"throughput {n}"})
            assert isinstance(project, dict)
            queued.append((project["id"], _upload(server, project["id"])))
        start = time.monotonic()
        for project_id, dataset_id in queued:
            answer = server.call("POST", f"/api/v1/projects/{project_id}/assessments", {"dataset_id": dataset_id})
            assert isinstance(answer, dict)
            ids.append(answer["id"])
        statuses: dict[str, str] = {}
        while len(statuses) < len(ids):
            for aid in ids:
                if aid not in statuses:
                    answer = server.call("GET", f"/api/v1/assessments/{aid}")
                    assert isinstance(answer, dict)
                    if answer["status"] in FINAL:
                        statuses[aid] = answer["status"]
            time.sleep(0.5)
        return time.monotonic() - start, sum(1 for s in statuses.values() if s == "succeeded")
    finally:
        for process in [*processes, *loops]:
            process.terminate()
        for process in [*processes, *loops]:
            process.wait()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assessments", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--busy", type=int, default=0, help="busy loops per core meanwhile")
    args = parser.parse_args()
    print("| worker processes | assessments | succeeded | wall s | assessments / hour |")
    print("|---|---|---|---|---|")
    for workers in args.workers:
        seconds, succeeded = run(args.assessments, workers, args.busy)
        print(f"| {workers} | {args.assessments} | {succeeded} | {seconds:.1f} | {args.assessments / seconds * 3600:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
