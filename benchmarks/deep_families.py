"""The deep families side by side with XGBoost: test ROC-AUC, fit seconds and rows/s, in one run.

    python benchmarks/deep_families.py                          # 100k x 50 synthetic set and the examples, CPU
    python benchmarks/deep_families.py --device cuda            # TabM's GPU profile too (and the others on CUDA)
    python benchmarks/deep_families.py --rows 20000 --no-examples --json out.json
    python benchmarks/deep_families.py --no-examples --families tabm --tabm-time-budget 60   # a longer budget

The synthetic set is issue 15's: `make_classification(100_000, 50, n_informative=20, n_redundant=10,
flip_y=0.03, class_sep=0.8, random_state=0)`, split stratified 60/20/20 (seed 0); AutoGluon scored test
ROC-AUC 0.986 on that split. Every model is fitted as the assessment fits it (`fit_family`: XGBoost at our
baseline defaults, the ResNet-MLP at its defaults, TabM with its device profile), early-stopped on the
validation part, and scored once on the test part. The README's examples (breast cancer, penguins) go
through the assessment's own split and column checks (`prepare_experiment_data`). Prints Markdown tables
for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

# First: importing workers sets the passive OpenMP waits (workers.threads) before torch loads OpenMP; on a
# busy machine, spinning threads made every model here up to 20x slower.
import workers  # noqa: F401

# isort: split
import pandas as pd
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from workers.baselines import FittedModel
from workers.experiments.data import prepare_experiment_data
from workers.experiments.fitting import fit_family
from workers.families import FAMILY_LABELS
from workers.features import model_frame
from workers.split import TEST

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    ("breast_cancer.csv", "diagnosis", "malignant"),
    ("penguins_raw.csv", "Clutch Completion", "No"),
]
SEED = 0


def synthetic_split(rows: int) -> tuple[pd.DataFrame, ...]:
    """Issue 15's synthetic set, stratified 60/20/20: (train, y, validation, y, test, y)."""
    X, y = make_classification(
        rows, 50, n_informative=20, n_redundant=10, flip_y=0.03, class_sep=0.8, random_state=0
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    x_train, x_rest, y_train, y_rest = train_test_split(
        frame, y, test_size=0.4, stratify=y, random_state=SEED
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=SEED
    )
    return x_train, y_train, x_val, y_val, x_test, y_test


def measure(
    family: str, parts: tuple[Any, ...], device: str, hyperparameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    x_train, y_train, x_val, y_val, x_test, y_test = parts
    start = time.perf_counter()
    model: FittedModel = fit_family(
        family, x_train, y_train, x_val, y_val, hyperparameters, random_state=SEED, device=device, n_jobs=-1
    )
    seconds = time.perf_counter() - start
    proba = model.predict_proba(x_test)
    auc = (
        roc_auc_score(y_test, proba[:, 1])
        if proba.shape[1] == 2
        else roc_auc_score(y_test, proba, multi_class="ovr")
    )
    diagnostics = model.diagnostics or {}
    epochs = diagnostics.get("epochs")
    return {
        "model": model.name,
        "family": family,
        "device": model.device,
        "profile": diagnostics.get("profile"),
        "test_roc_auc": float(auc),
        "val_roc_auc": float(roc_auc_score(y_val, model.predict_proba(x_val)[:, 1]))
        if proba.shape[1] == 2
        else None,
        "fit_seconds": seconds,
        "fit_rows_per_second": len(y_train) / seconds,
        "train_rows_per_second": diagnostics.get("train_rows_per_second"),
        "epochs": None if epochs is None else len(epochs),
        "best_epoch": diagnostics.get("best_epoch"),
        "stop_reason": diagnostics.get("stop_reason"),
        "hyperparameters": hyperparameters or {},
    }


def example_parts(name: str, target: str, positive: str) -> tuple[Any, ...]:
    data = prepare_experiment_data(ROOT / "examples" / name, target=target, positive=positive, seed=SEED)
    rows = data.split.indices(TEST)
    x_test = model_frame(data.dataset, data.used_columns).iloc[rows]
    return (
        data.train_frame,
        data.y_train,
        data.validation_frame,
        data.y_validation,
        x_test,
        data.dataset.y[rows],
    )


def runs_for(device: str, families: list[str]) -> list[tuple[str, str]]:
    """(family, device) in the order measured: the baseline, then each deep family; with a GPU, TabM's
    CPU profile as well as its GPU profile."""
    order: tuple[str, ...] = ("xgboost", "deep", "tabm")
    runs = [(family, device) for family in order if family in families]
    if device == "cuda" and "tabm" in families:
        runs.append(("tabm", "cpu"))
    return runs


def hyperparameters_for(family: str, tabm_time_budget: float | None) -> dict[str, Any] | None:
    return {"time_budget_s": tabm_time_budget} if family == "tabm" and tabm_time_budget else None


def table(title: str, results: list[dict[str, Any]]) -> str:
    lines = [
        f"**{title}**",
        "",
        "| model | device / profile | test ROC-AUC | fit s | fit rows/s | train rows/s | epochs (best) | stopped |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        where = r["device"] + (f" / {r['profile']} profile" if r["profile"] else "")
        if r["hyperparameters"].get("time_budget_s"):
            where += f", {r['hyperparameters']['time_budget_s']:g} s budget"
        epochs = "—" if r["epochs"] is None else f"{r['epochs']} ({r['best_epoch']})"
        speed = "—" if r["train_rows_per_second"] is None else f"{r['train_rows_per_second']:,.0f}"
        lines.append(
            f"| {r['model']} | {where} | {r['test_roc_auc']:.4f} | {r['fit_seconds']:.1f} | "
            f"{r['fit_rows_per_second']:,.0f} | {speed} | {epochs} | {r['stop_reason'] or '—'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--no-examples", action="store_true")
    parser.add_argument("--families", nargs="+", default=["xgboost", "deep", "tabm"])
    parser.add_argument("--tabm-time-budget", type=float, help="seconds, instead of the profile's budget")
    parser.add_argument("--json", type=Path, help="write every measurement here")
    args = parser.parse_args()

    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"CUDA: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    everything: dict[str, list[dict[str, Any]]] = {}
    if not args.no_synthetic:
        parts = synthetic_split(args.rows)
        results = []
        for family, device in runs_for(args.device, args.families):
            results.append(measure(family, parts, device, hyperparameters_for(family, args.tabm_time_budget)))
            print(json.dumps(results[-1]), flush=True)
        everything[f"synthetic {args.rows}"] = results
        print(table(f"Synthetic {args.rows:,} x 50 (issue 15), test split", results), flush=True)
    if not args.no_examples:
        for name, target, positive in EXAMPLES:
            parts = example_parts(name, target, positive)
            results = [
                measure(family, parts, device, hyperparameters_for(family, args.tabm_time_budget))
                for family, device in runs_for(args.device, args.families)
            ]
            everything[name] = results
            print(table(f"{name} (target {target}), test split", results), flush=True)
    print("\nLabels:", ", ".join(f"{family} = {label}" for family, label in FAMILY_LABELS.items()))
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
