"""How long `readiness --help` and `readiness --version` take to answer: the command line's start-up,
which should import none of torch, scikit-learn, xgboost, pandas, pyarrow, FastAPI or SQLAlchemy.

    python benchmarks/bench_cli_start.py              # 7 runs of each
    python benchmarks/bench_cli_start.py --runs 15

Each run is a fresh process (the console script next to this Python); prints min and median seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--help"], ["--version"], ["assess", "--help"])


def _readiness() -> str:
    script = Path(sys.executable).parent / "readiness"
    return str(script) if script.exists() else "readiness"


def time_command(args: list[str], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([_readiness(), *args], check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"{'command':<28} {'min s':>7} {'median s':>9}  ({runs} runs)")
    for args in COMMANDS:
        seconds = time_command(args, runs)
        print(f"{'readiness ' + ' '.join(args):<28} {min(seconds):>7.2f} {statistics.median(seconds):>9.2f}")


if __name__ == "__main__":
    main()
