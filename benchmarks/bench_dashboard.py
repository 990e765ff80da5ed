"""How fast the dashboard's pages render for a project with 10,000 assessments.

    python benchmarks/bench_dashboard.py                  # 10,000 assessments, 30 renders per page
    python benchmarks/bench_dashboard.py --assessments 100000 --repeat 50

Starts an embedded Postgres in a temporary directory, makes one project with the breast-cancer dataset and
N assessments (one INSERT … SELECT; the newest gets a full report), signs in, and renders each page through
the whole app in-process (the session lookup, the team check, the queries, the template and its charts):
the median and 95th percentile time per page.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from service.app import create_app
from service.artifacts import ArtifactStore
from service.database.embedded import embedded_url
from service.database.engine import make_engine, with_database
from service.database.migrate import upgrade_to_head
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
REPORT = (
    ROOT / "tests" / "workers" / "fixtures" / "report_binary.json"
)  # a finished binary assessment's report


def _timed(client: TestClient, path: str, repeat: int) -> tuple[float, float]:
    """Median and 95th percentile milliseconds of `repeat` renders, after one warm-up."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, path
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30, help="renders per page")
    args = parser.parse_args()
    # The rows are made by the tests' own builders, the way the dashboard's tests make them.
    sys.path.insert(0, str(ROOT))
    from tests.dashboard.browsing import insert_assessments, new_key, sign_in
    from tests.service.records import project_with_dataset
    from tests.service.test_api_harness import BREAST_CANCER

    home = Path(tempfile.mkdtemp(prefix="rdy-bench-", dir="/tmp"))  # short: the server's socket lives here
    try:
        server = embedded_url(home / "pg")
        admin = make_engine(server)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE bench_dashboard"))
        settings = Settings(home=home / "home", database_url=with_database(server, "bench_dashboard"))
        engine = make_engine(settings.database_url or "")
        upgrade_to_head(engine)
        project, _ = project_with_dataset(
            engine, ArtifactStore(settings.artifacts_path), BREAST_CANCER, target="diagnosis", team="bench"
        )
        start = time.perf_counter()
        insert_assessments(engine, str(project.id), args.assessments)
        print(f"inserted {args.assessments:,} assessments in {time.perf_counter() - start:.1f} s")
        with engine.begin() as connection:
            newest = connection.scalar(text("SELECT id FROM assessment ORDER BY created_at DESC LIMIT 1"))
            # A real report on the page that shows one: its charts are most of that page's work.
            connection.execute(
                text("UPDATE assessment SET report = CAST(:report AS jsonb) WHERE id = :id"),
                {"report": REPORT.read_text(), "id": newest},
            )
            connection.execute(text("ANALYZE"))

        pages = {
            "projects list": "/projects",
            "project page": f"/projects/{project.id}",
            "assessments, page 1": f"/projects/{project.id}/assessments",
            "assessments, middle page": f"/projects/{project.id}/assessments?page={args.assessments // 100}",
            "assessments, last page": f"/projects/{project.id}/assessments?page={(args.assessments + 49) // 50}",
            "assessment page (report)": f"/assessments/{newest}",
        }
        print(
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        print(f"{'page':<26} {'median ms':>10} {'p95 ms':>8}")
        with TestClient(create_app(settings), follow_redirects=False) as client:
            sign_in(client, new_key(engine, "bench"))
            for name, path in pages.items():
                median, p95 = _timed(client, path, args.repeat)
                print(f"{name:<26} {median:>10.1f} {p95:>8.1f}")
        engine.dispose()
        admin.dispose()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
