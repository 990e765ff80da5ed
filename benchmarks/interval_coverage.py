"""Coverage of the test metrics' 95% intervals against a known truth, before and after issue 10.

    python benchmarks/interval_coverage.py                    # the full grid, 200 simulations per cell
    python benchmarks/interval_coverage.py --sims 100 --sizes 200 1000 --json coverage.json

Each simulated test split is `n` i.i.d. rows: a positive with probability `prevalence`, scores binormal
with equal variances (positives N(d, 1), negatives N(0, 1), d = sqrt(2) * Phi^-1(AUC)), so every
population value is known in closed form or by one quadrature:

- ROC-AUC = Phi(d / sqrt(2)); at the threshold t: recall = Phi(d - t), false-positive rate = Phi(-t),
  precision = pi recall / (pi recall + (1 - pi) fpr), F1 = 2 pi recall / (pi + pi recall + (1 - pi) fpr);
- PR-AUC (average precision) = integral of precision(t) d recall(t).

The threshold is the population's max-F1 threshold, fixed (as the tool fixes it on validation before the
test look). A split missing a class is drawn again (the tool refuses one). "before" is the stratified
percentile bootstrap every metric had until issue 10; "after" is `workers.evaluation.evaluate_binary`.
The table gives each cell's coverage (% of intervals holding the truth) and, for ROC-AUC, the % lying
entirely above it (the lower bound is what "target reached" reads).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

from workers.evaluation import bootstrap as bs
from workers.evaluation import evaluate_binary

METRICS = ("roc_auc", "pr_auc", "precision", "recall", "f1")
SIZES = (200, 1000, 5000)
PREVALENCES = (0.03, 0.30)
AUCS = (0.75, 0.85, 0.95, 0.97)
N_RESAMPLES = 1000


def population(auc: float, prevalence: float) -> tuple[float, dict[str, float]]:
    """The max-F1 threshold of the binormal population and every metric's true value there."""
    d = np.sqrt(2.0) * norm.ppf(auc)
    t = np.linspace(-6.0, d + 6.0, 20001)
    recall, fpr = norm.cdf(d - t), norm.cdf(-t)
    tp, fp = prevalence * recall, (1.0 - prevalence) * fpr
    precision = np.divide(tp, tp + fp, out=np.ones_like(tp), where=(tp + fp) > 0)
    f1 = 2.0 * tp / (prevalence + tp + fp)
    best = int(np.argmax(f1))
    # Average precision: precision integrated over recall (recall falls as t rises, hence the minus).
    average_precision = float(-np.trapezoid(precision, recall))
    truth = {
        "roc_auc": float(auc),
        "pr_auc": average_precision,
        "precision": float(precision[best]),
        "recall": float(recall[best]),
        "f1": float(f1[best]),
    }
    return float(t[best]), truth


def draw_split(
    n: int, prevalence: float, auc: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One i.i.d. test split holding both classes."""
    d = np.sqrt(2.0) * norm.ppf(auc)
    while True:
        y = (rng.random(n) < prevalence).astype(np.int64)
        if 0 < y.sum() < n:
            return y, rng.normal(size=n) + d * y


def stratified_percentile(
    y: np.ndarray, score: np.ndarray, threshold: float, n_resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    """The intervals before issue 10: class sizes held fixed, percentile of every metric."""
    ranked = bs.RankedBinary(score, y == 1)
    rng = np.random.default_rng(seed)
    w_pos = bs.class_counts(ranked.n_pos, n_resamples, rng).astype(np.float64)
    w_neg = bs.class_counts(ranked.n_neg, n_resamples, rng).astype(np.float64)
    samples = ranked.metrics(w_pos, w_neg, threshold)
    return {name: bs.percentile_interval(samples[name], 0.95) for name in METRICS}


def after(
    y: np.ndarray, score: np.ndarray, threshold: float, n_resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    result = evaluate_binary(y, score, threshold, n_resamples=n_resamples, seed=seed)
    return {name: (result[name]["ci_low"], result[name]["ci_high"]) for name in METRICS}


METHODS = {"before": stratified_percentile, "after": after}


def coverage_cell(
    n: int, prevalence: float, auc: float, *, sims: int, seed: int, n_resamples: int = N_RESAMPLES
) -> dict[str, dict[str, float]]:
    """`{method: {metric: coverage %, "roc_auc_above": % of AUC intervals above the truth}}` for one cell."""
    threshold, truth = population(auc, prevalence)
    rng = np.random.default_rng(seed)
    hits = {m: dict.fromkeys(METRICS, 0) for m in METHODS}
    above = dict.fromkeys(METHODS, 0)
    for i in range(sims):
        y, score = draw_split(n, prevalence, auc, rng)
        for method, interval in METHODS.items():
            bounds = interval(y, score, threshold, n_resamples, i)
            for name, (low, high) in bounds.items():
                hits[method][name] += low <= truth[name] <= high
            above[method] += bounds["roc_auc"][0] > truth["roc_auc"]
    return {
        m: {**{k: 100.0 * v / sims for k, v in hits[m].items()}, "roc_auc_above": 100.0 * above[m] / sims}
        for m in METHODS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200, help="simulated test splits per cell")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--prevalences", type=float, nargs="+", default=list(PREVALENCES))
    parser.add_argument("--aucs", type=float, nargs="+", default=list(AUCS))
    parser.add_argument("--resamples", type=int, default=N_RESAMPLES)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    header = "| rows | positives | AUC | " + " | ".join(METRICS) + " | AUC above |"
    print(f"{args.sims} simulated test splits per cell; coverage % before → after (target 94–96)\n")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    started = time.perf_counter()
    for n in args.sizes:
        for prevalence in args.prevalences:
            for auc in args.aucs:
                cell = coverage_cell(
                    n, prevalence, auc, sims=args.sims, seed=n + int(1000 * auc), n_resamples=args.resamples
                )
                rows.append({"n": n, "prevalence": prevalence, "auc": auc, **cell})
                cells = [
                    f"{cell['before'][k]:.1f} → {cell['after'][k]:.1f}" for k in (*METRICS, "roc_auc_above")
                ]
                print(f"| {n} | {prevalence:.0%} | {auc} | " + " | ".join(cells) + " |", flush=True)
    pooled = {
        m: {k: float(np.mean([r[m][k] for r in rows])) for k in (*METRICS, "roc_auc_above")} for m in METHODS
    }
    cells = [f"{pooled['before'][k]:.1f} → {pooled['after'][k]:.1f}" for k in (*METRICS, "roc_auc_above")]
    print("| all | | | " + " | ".join(cells) + " |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"sims": args.sims, "rows": rows, "pooled": pooled}, indent=2))


if __name__ == "__main__":
    main()
