"""A bounded schemathesis run against a live `readiness serve --no-worker` on 127.0.0.1.

    pip install schemathesis        # not a dependency of Readiness; 4.x
    python benchmarks/schemathesis_run.py                  # 25 deterministic cases per operation
    python benchmarks/schemathesis_run.py -n 100 --random

The server runs on a fresh READINESS_HOME (its own embedded Postgres) with its admin key; schemathesis reads
/openapi.json and sends, per operation, at most N generated requests (valid and invalid) with the key, in
the examples, coverage and fuzzing phases, checking: no 5xx, status codes, content types, headers and
bodies as the document says. Prints the cases sent per operation and every failure; exit 1 on any.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_load import HOST, Server

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--max-examples", type=int, default=25, help="Generated cases per operation.")
    parser.add_argument("--random", action="store_true", help="Random cases (default: deterministic ones).")
    parser.add_argument("--workers", type=int, default=2, help="Concurrent schemathesis workers.")
    args = parser.parse_args()
    server = Server(workers=1)
    failed = True
    try:
        report = Path(tempfile.mkdtemp(prefix="rdy-st-")) / "events.ndjson"
        command = [
            sys.executable, "-m", "schemathesis.cli", "run", f"http://{HOST}:{server.port}/openapi.json",
            "--header", f"Authorization: Bearer {server.key}",
            "--checks", ",".join(CHECKS),
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(args.max_examples),
            "--workers", str(args.workers),
            *([] if args.random else ["--generation-deterministic"]),
            "--no-shrink",
            "--suppress-health-check", "all",
            "--report", "ndjson", "--report-ndjson-path", str(report),
        ]  # fmt: skip
        # Run from the report's folder: schemathesis leaves a .schemathesis/ folder where it runs.
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=report.parent)
        print(done.stdout[-6000:])
        if done.stderr.strip():
            print(done.stderr[-3000:], file=sys.stderr)
        cases, failures = summarise(report)
        print(f"operations: {len(cases)}, cases sent: {sum(cases.values())}, failures: {len(failures)}")
        for operation, count in sorted(cases.items()):
            print(f"  {count:5d}  {operation}")
        for failure in failures:
            print(f"  FAILED {failure}")
        failed = done.returncode != 0
    finally:
        server.stop(keep_log=failed)
    return 1 if failed else 0


def summarise(report: Path) -> tuple[Counter[str], list[str]]:
    """Cases per operation and the distinct failures, from schemathesis's ndjson events."""
    cases: Counter[str] = Counter()
    failures: set[str] = set()
    if not report.exists():
        return cases, []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for kind, body in event.items():
            if kind != "ScenarioFinished" or not isinstance(body, dict):
                continue
            recorder = body.get("recorder", {})
            label = recorder.get("label", "?")
            cases[label] += len(recorder.get("cases", {}))
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if str(check.get("status")).lower() == "failure":
                        failure = check.get("failure_info") or {}
                        title = (failure.get("failure") or {}).get("title") or check.get("name")
                        failures.add(f"{label}: {title}")
    return cases, sorted(failures)


if __name__ == "__main__":
    sys.exit(main())
