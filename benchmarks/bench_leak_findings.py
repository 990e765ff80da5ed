"""Leaks the checks must not miss (issue 10): near-duplicate rows, a combination leak, and what they cost.

    python benchmarks/bench_leak_findings.py            # full size
    python benchmarks/bench_leak_findings.py --quick    # a fraction of the rows, a few seconds

1. Near-duplicate catch rate: a copy of a row with every float multiplied by (1 + u·eps), u ~ U(-1, 1), is
   grouped with its original when all its features agree at `NEAR_DUPLICATE_DIGITS` significant digits.
2. What grouping them is worth: a weak-signal table whose rows are half repeated with noise of 1e-9. With
   exact grouping only (the split before issue 10) the twins straddle the split and the random forest
   "learns" the test rows; with near-duplicate grouping it cannot.
3. A combination leak (b = a − label): no single column shows it; the assessment's "too good to be true"
   finding must name the models that score it (and stay quiet when no model does).
4. The cost of near-duplicate grouping against exact grouping, on a long and on a wide table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from workers import split as split_module
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.data.loading import load_dataset
from workers.split import (
    DEFAULT_SEED,
    NEAR_DUPLICATE_DIGITS,
    TEST,
    TRAIN,
    feature_row_groups,
    make_split,
    near_duplicate_groups,
)

QUICK = "--quick" in sys.argv
SCALE = 0.1 if QUICK else 1.0


def catch_rate(eps: float, n: int, n_features: int = 5, seed: int = 0) -> float:
    """Share of noisy copies grouped with their original."""
    rng = np.random.default_rng(seed)
    base = pd.DataFrame(rng.normal(size=(n, n_features)) * np.logspace(-2, 3, n_features))
    noisy = base * (1 + rng.uniform(-eps, eps, size=base.shape))
    groups = near_duplicate_groups(pd.concat([base, noisy], ignore_index=True))
    return float(np.mean(groups[:n] == groups[n:]))


def _weak_table(directory: Path, n: int, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=1.5, size=n) > 0).astype(int)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)]).assign(label=np.where(y, "yes", "no"))
    twins = frame.sample(frac=0.5, random_state=seed)
    noise = 1 + rng.uniform(-1e-9, 1e-9, size=(len(twins), 6))
    twins.iloc[:, :6] = twins.iloc[:, :6].to_numpy() * noise
    path = directory / "weak.csv"
    pd.concat([frame, twins], ignore_index=True).to_csv(path, index=False)
    return path


def inflation(directory: Path, n: int) -> dict[str, dict[str, float]]:
    """Test ROC-AUC of a random forest and a logistic regression, splitting with exact or near grouping."""
    dataset = load_dataset(_weak_table(directory, n), target="label")
    x, y = dataset.features.to_numpy(dtype=float), dataset.y
    out: dict[str, dict[str, float]] = {}
    for how in ("exact only (before)", "near-duplicates too (now)"):
        if how.startswith("exact"):
            with mock.patch.object(split_module, "near_duplicate_groups", feature_row_groups):
                split = make_split(dataset, seed=DEFAULT_SEED)
        else:
            split = make_split(dataset, seed=DEFAULT_SEED)
        train, test = split.assignment == TRAIN, split.assignment == TEST
        forest = RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1).fit(x[train], y[train])
        linear = LogisticRegression().fit(x[train], y[train])
        out[how] = {
            "random forest": roc_auc_score(y[test], forest.predict_proba(x[test])[:, 1]),
            "logistic regression": roc_auc_score(y[test], linear.predict_proba(x[test])[:, 1]),
        }
    return out


def combination_leak(directory: Path, n: int, spread: float) -> tuple[dict[str, float], list[str]]:
    """Validation ROC-AUC per model and the too-good findings' messages for b = a − label, a ~ N(0, spread)."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, n)
    a = rng.normal(0, spread, n)
    frame = pd.DataFrame({"a": a, "b": a - y, "noise": rng.normal(size=n), "label": np.where(y, "yes", "no")})
    path = directory / f"combo_{spread}.csv"
    frame.to_csv(path, index=False)
    config = AssessmentConfig(
        target="label", seed=DEFAULT_SEED, device="cpu", n_resamples=100, run_deep=False, learning_curve=False
    )
    report = assess_file(path, config, InMemoryStore())
    aucs = {m["name"]: round(m["validation"]["roc_auc"], 3) for m in report["models"]}
    return aucs, [f["message"] for f in report["checks"] if f["check"] == "too_good_to_be_true"]


def cost(rows: int, columns: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, columns)), columns=[f"c{i}" for i in range(columns)])
    started = time.perf_counter()
    feature_row_groups(frame)
    exact = time.perf_counter() - started
    started = time.perf_counter()
    near_duplicate_groups(frame)
    return exact, time.perf_counter() - started


def main() -> None:
    print(f"1. near-duplicate catch rate ({NEAR_DUPLICATE_DIGITS} significant digits, 5 float features)")
    n = int(20_000 * SCALE)
    for eps in (1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5):
        print(f"   noise ±{eps:.0e} relative: {catch_rate(eps, n):6.1%} of {n:,} copies grouped")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        n = int(4_000 * SCALE) if QUICK else 4_000
        print(f"2. test ROC-AUC, {n:,} weak-signal rows + {n // 2:,} noisy twins (noise 1e-9)")
        for how, aucs in inflation(directory, n).items():
            print(f"   {how:28s} " + ", ".join(f"{name} {auc:.3f}" for name, auc in aucs.items()))
        print("3. combination leak b = a − label (1,000 rows): validation ROC-AUC and the finding")
        for spread in (1.0, 3.0, 30.0):
            aucs, messages = combination_leak(directory, 1_000, spread)
            said = "too_good_to_be_true" if messages else "no finding"
            print(f"   a ~ N(0, {spread:g}): {aucs} → {said}")
    print("4. seconds: exact grouping vs near-duplicate grouping")
    for rows, columns in ((int(200_000 * SCALE), 20), (100, int(20_000 * SCALE))):
        exact, near = cost(rows, columns)
        print(f"   {rows:,} rows × {columns:,} float columns: {exact:.3f} s vs {near:.3f} s")


if __name__ == "__main__":
    main()
