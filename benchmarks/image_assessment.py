"""A whole image assessment's time, as a user runs it: `readiness assess examples/digits.zip` (1,797 digits,
ten classes) in a fresh home, read back from the report's own timings.

    python benchmarks/image_assessment.py [--runs 1] [--no-learning-curve] [--device cpu|cuda|auto] [ZIP]

Prints, per run, the seconds from submission to report, the stages' seconds (the deep stage split into the
CNN and the transfer model), the seconds spent waiting for learning-curve points, and each model's test
ROC-AUC. Wall-clock numbers depend on the machine and its load: compare runs made side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "digits.zip"


def _readiness() -> list[str]:
    script = Path(sys.executable).parent / "readiness"
    return [str(script)] if script.exists() else ["readiness"]


def assess_once(zip_path: Path, *, learning_curve: bool, device: str) -> dict[str, Any]:
    """One `readiness assess` of `zip_path` in a fresh home: its report and the command's wall seconds."""
    home = Path(tempfile.mkdtemp(prefix="rdy-bench-", dir="/tmp"))  # short: the Postgres socket path limit
    out = home / "report.json"
    command = [*_readiness(), "assess", str(zip_path), "--device", device, "--json-out", str(out), "--quiet"]
    if not learning_curve:
        command.append("--no-learning-curve")
    try:
        started = time.perf_counter()
        subprocess.run(
            command, check=True, env={**os.environ, "READINESS_HOME": str(home)}, capture_output=True
        )
        wall = time.perf_counter() - started
        return {"wall_s": wall, "report": json.loads(out.read_text())}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def summary(run: dict[str, Any]) -> dict[str, Any]:
    report = run["report"]
    stages = report.get("timings", {})  # stage -> seconds
    deep = {c["name"]: c.get("fit_seconds") for c in (report.get("deep") or {}).get("candidates", [])}
    models = {m["name"]: m.get("test", {}).get("roc_auc", {}) for m in report.get("models", [])}
    return {
        "command_s": round(run["wall_s"], 1),
        "stages_sum_s": round(sum(float(v) for v in stages.values() if isinstance(v, int | float)), 1),
        "stages_s": {name: round(float(v), 1) for name, v in stages.items() if isinstance(v, int | float)},
        "deep_s": {name: None if v is None else round(v, 1) for name, v in deep.items()},
        "test_roc_auc": {
            name: round(v["value"], 4) if isinstance(v, dict) and v.get("value") is not None else v
            for name, v in models.items()
        },
        "verdict": report.get("verdict", {}).get("code"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("zip", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-learning-curve", action="store_true")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    for index in range(args.runs):
        run = assess_once(args.zip, learning_curve=not args.no_learning_curve, device=args.device)
        print(json.dumps({"run": index + 1, **summary(run)}, indent=2))


if __name__ == "__main__":
    main()
