"""Time every stage of a whole assessment on synthetic tables and on the shipped examples.

    python benchmarks/bench_assessment.py                      # 10k and 100k rows, the examples
    python benchmarks/bench_assessment.py --rows 10000 100000 1000000 --device cuda --json out.json
    python benchmarks/bench_assessment.py --no-learning-curve     # without the learning-curve stage

Each dataset is written to Parquet first (so loading is timed too) with 40 numeric and 10 categorical
columns and a nonlinear signal. The 100k-row x 50-column run is the one with a target: under 90 s on two
CPU cores without learning curves. Prints a Markdown table for the README, saying whether the learning-curve
stage (the best baseline and the deep model retrained on 10%, 25% and 50% of the training split) was on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import STAGE_NAMES, assess_file
from workers.assessment.store import InMemoryStore

ROOT = Path(__file__).resolve().parents[1]
N_NUMERIC, N_CATEGORICAL = 40, 10
# The report stage records the others' timings while it runs, so it cannot time itself; the total does.
TIMED_STAGES = STAGE_NAMES[:-1]


def synthetic_table(rows: int, seed: int = 0) -> pd.DataFrame:
    """A binary task a deep model can do a little better on: interactions plus noise."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(rows, N_NUMERIC)).astype(np.float32)
    categories = rng.integers(0, 8, size=(rows, N_CATEGORICAL))
    effects = rng.normal(0, 0.5, size=(N_CATEGORICAL, 8))
    logit = (
        numeric[:, 0] * numeric[:, 1]
        + np.sin(2 * numeric[:, 2])
        + 0.5 * numeric[:, 3]
        - 0.5 * np.abs(numeric[:, 4])
        + effects[np.arange(N_CATEGORICAL), categories].sum(axis=1)
    )
    label = rng.random(rows) < 1 / (1 + np.exp(-(logit - 0.5)))
    frame = pd.DataFrame(numeric, columns=[f"x{i}" for i in range(N_NUMERIC)])
    for j in range(N_CATEGORICAL):
        frame[f"c{j}"] = np.char.add("level_", categories[:, j].astype(str))
    frame.loc[rng.random(rows) < 0.02, "x5"] = np.nan
    frame["label"] = np.where(label, "yes", "no")
    return frame


def run_one(
    path: Path, target: str, positive: str | None, device: str, *, learning_curve: bool = True
) -> dict[str, Any]:
    config = AssessmentConfig(target=target, positive=positive, device=device, learning_curve=learning_curve)
    start = time.perf_counter()
    report = assess_file(path, config, InMemoryStore())
    total = time.perf_counter() - start
    deep = next((m for m in report["models"] if m["family"] == "deep"), None)
    diagnostics = (deep or {}).get("diagnostics") or {}
    return {
        "dataset": path.name,
        "rows": report["dataset"]["rows"],
        "columns": report["dataset"]["columns"],
        "device": device,
        "learning_curve": learning_curve,
        "total_seconds": total,
        "stages": {stage: report["timings"].get(stage) for stage in TIMED_STAGES},
        "deep_epochs": len(diagnostics.get("epochs", [])),
        "deep_rows_per_second": diagnostics.get("train_rows_per_second"),
        "verdict": report["verdict"]["code"],
        "best_baseline_auc": max(
            m["test"]["roc_auc"]["value"] for m in report["models"] if m["family"] == "baseline"
        ),
        "deep_auc": deep["test"]["roc_auc"]["value"] if deep and deep.get("test") else None,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    header = ["dataset", "rows", "device", "curves", *TIMED_STAGES, "total s", "deep epochs", "deep rows/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        stages = [f"{r['stages'][s]:.1f}" if r["stages"][s] is not None else "—" for s in TIMED_STAGES]
        rate = f"{r['deep_rows_per_second']:,.0f}" if r["deep_rows_per_second"] else "—"
        lines.append(
            "| "
            + " | ".join(
                [
                    r["dataset"],
                    f"{r['rows']:,}",
                    r["device"],
                    "on" if r["learning_curve"] else "off",
                    *stages,
                    f"{r['total_seconds']:.1f}",
                    str(r["deep_epochs"]),
                    rate,
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--device", choices=["cpu", "cuda", "both"], default="cpu")
    parser.add_argument("--no-examples", action="store_true")
    parser.add_argument(
        "--no-learning-curve", action="store_true", help="Skip the learning-curve stage (on by default)."
    )
    parser.add_argument("--json", type=Path, help="Write the results here.")
    args = parser.parse_args()
    devices = ["cpu", "cuda"] if args.device == "both" else [args.device]
    if "cuda" in devices and not torch.cuda.is_available():
        print("CUDA is not available here; timing the CPU only.")
        devices = ["cpu"]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        jobs: list[tuple[Path, str, str | None]] = []
        if not args.no_examples:
            jobs.append((ROOT / "examples" / "breast_cancer.csv", "diagnosis", "malignant"))
            jobs.append((ROOT / "examples" / "penguins_raw.csv", "Clutch Completion", "No"))
        for rows in args.rows:
            path = Path(scratch) / f"synthetic_{rows}.parquet"
            synthetic_table(rows).to_parquet(path)
            jobs.append((path, "label", "yes"))
        for device in devices:
            for path, target, positive in jobs:
                result = run_one(path, target, positive, device, learning_curve=not args.no_learning_curve)
                results.append(result)
                curves = "on" if result["learning_curve"] else "off"
                print(
                    f"{result['dataset']} on {device}, learning curves {curves}: {result['total_seconds']:.1f} s",
                    flush=True,
                )
    machine = {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    print()
    print(f"Learning curves: {'off (--no-learning-curve)' if args.no_learning_curve else 'on'}")
    print(markdown(results))
    print(f"\nMachine: {machine}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
