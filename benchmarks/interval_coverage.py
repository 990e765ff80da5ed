"""Coverage of the test metrics' 95% intervals against a known truth, before, during and after issue 10.

    python benchmarks/interval_coverage.py            # the full grid: 400 splits a cell, 1,000 below 50 positives
    python benchmarks/interval_coverage.py --sims 100 --sizes 200 1000 --methods after --json coverage.json

Each simulated test split is `n` i.i.d. rows: a positive with probability `prevalence`, scores binormal
with equal variances (positives N(d, 1), negatives N(0, 1), d = sqrt(2) * Phi^-1(AUC)), so every
population value is known in closed form or by one quadrature:

- ROC-AUC = Phi(d / sqrt(2)); at the threshold t: recall = Phi(d - t), false-positive rate = Phi(-t),
  precision = pi recall / (pi recall + (1 - pi) fpr), F1 = 2 pi recall / (pi + pi recall + (1 - pi) fpr);
- PR-AUC (average precision) = integral of precision(t) d recall(t).

The threshold is the population's max-F1 threshold, fixed (as the tool fixes it on validation before the
test look). A split missing a class is drawn again (the tool refuses one). "before" is the stratified
percentile bootstrap every metric had until issue 10; "round1" the first round of issue 10 (Wilson for
precision and recall, logit DeLong for ROC-AUC, a bias-corrected row bootstrap for PR-AUC and F1); "after"
is `workers.evaluation.evaluate_binary` now. The table gives each cell's coverage (% of intervals holding
the truth) and, for ROC-AUC, the % lying entirely above it (the lower bound is what "target reached"
reads). Each split is seeded by (cell, index), so `--jobs` (processes) does not change the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

from workers.evaluation import bootstrap as bs
from workers.evaluation import evaluate_binary
from workers.evaluation.confusion import f1_interval
from workers.evaluation.intervals import auc_logit_interval, wilson_interval

METRICS = ("roc_auc", "pr_auc", "precision", "recall", "f1")
SIZES = (200, 1000, 5000)
PREVALENCES = (0.03, 0.30)
AUCS = (0.75, 0.85, 0.95, 0.97)
N_RESAMPLES = 1000
SIMS = 400
FEW_POSITIVES_SIMS = 1000  # cells with under 50 expected positives: where 90 and 94% must be told apart


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


def round1(
    y: np.ndarray, score: np.ndarray, threshold: float, n_resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    """The first round of issue 10: Wilson; logit DeLong; bias-corrected row bootstrap for PR-AUC and F1."""
    samples = bs.binary_bootstrap(y, score, threshold, n_resamples=n_resamples, seed=seed)
    positive = y == 1
    predicted = score >= threshold
    hits, n_predicted, n_positive = (
        int((predicted & positive).sum()),
        int(predicted.sum()),
        int(positive.sum()),
    )
    f1 = 2.0 * hits / (n_predicted + n_positive)
    ranked = bs.RankedBinary(score, positive)
    ones_pos, ones_neg = np.ones((1, ranked.n_pos)), np.ones((1, ranked.n_neg))
    average_precision = float(ranked.average_precision(ones_pos, ones_neg)[0])
    return {
        "roc_auc": auc_logit_interval(score, positive)[1:],
        "pr_auc": bs.bias_corrected_interval(samples["pr_auc"], average_precision, 0.95),
        "precision": wilson_interval(hits, n_predicted) if n_predicted else (0.0, 1.0),
        "recall": wilson_interval(hits, n_positive),
        "f1": f1_interval(samples["f1"], f1, (hits, n_predicted, n_positive), 0.95)[:2],
    }


def after(
    y: np.ndarray, score: np.ndarray, threshold: float, n_resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    result = evaluate_binary(y, score, threshold, n_resamples=n_resamples, seed=seed)
    return {name: (result[name]["ci_low"], result[name]["ci_high"]) for name in METRICS}


METHODS = {"before": stratified_percentile, "round1": round1, "after": after}


def one_split(
    n: int, prevalence: float, auc: float, seed: int, index: int, methods: tuple[str, ...], n_resamples: int
) -> dict[str, dict[str, int]]:
    """`{method: {metric: 1 if its interval held the truth, "roc_auc_above": 1 if above}}` for one split."""
    threshold, truth = population(auc, prevalence)
    y, score = draw_split(n, prevalence, auc, np.random.default_rng([seed, index]))
    out: dict[str, dict[str, int]] = {}
    for method in methods:
        bounds = METHODS[method](y, score, threshold, n_resamples, index)
        out[method] = {name: int(low <= truth[name] <= high) for name, (low, high) in bounds.items()}
        out[method]["roc_auc_above"] = int(bounds["roc_auc"][0] > truth["roc_auc"])
    return out


def coverage_cell(
    n: int,
    prevalence: float,
    auc: float,
    *,
    sims: int,
    seed: int,
    n_resamples: int = N_RESAMPLES,
    methods: tuple[str, ...] = tuple(METHODS),
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, dict[str, float]]:
    """`{method: {metric: coverage %, "roc_auc_above": % of AUC intervals above the truth}}` for one cell."""
    args = [(n, prevalence, auc, seed, i, methods, n_resamples) for i in range(sims)]
    if pool is None:
        splits = [one_split(*a) for a in args]
    else:
        splits = list(pool.map(one_split, *zip(*args, strict=True), chunksize=max(1, sims // 16)))
    keys = (*METRICS, "roc_auc_above")
    return {m: {k: 100.0 * sum(s[m][k] for s in splits) / sims for k in keys} for m in methods}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=SIMS, help="simulated test splits per cell")
    parser.add_argument(
        "--few-positives-sims", type=int, default=FEW_POSITIVES_SIMS, help="... in cells under 50 positives"
    )
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--jobs", type=int, default=2, help="processes")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--prevalences", type=float, nargs="+", default=list(PREVALENCES))
    parser.add_argument("--aucs", type=float, nargs="+", default=list(AUCS))
    parser.add_argument("--resamples", type=int, default=N_RESAMPLES)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    header = "| rows | positives | AUC | " + " | ".join(METRICS) + " | AUC above |"
    methods = tuple(args.methods)
    print(f"coverage % {' → '.join(methods)} (target 94–96); sims per cell in the last column\n")
    print(header + " sims |")
    print("|" + "---|" * header.count("|"))
    started = time.perf_counter()
    keys = (*METRICS, "roc_auc_above")
    with ProcessPoolExecutor(args.jobs) as pool:
        for n in args.sizes:
            for prevalence in args.prevalences:
                for auc in args.aucs:
                    sims = args.few_positives_sims if n * prevalence < 50 else args.sims
                    cell = coverage_cell(
                        n,
                        prevalence,
                        auc,
                        sims=sims,
                        seed=n + int(1000 * auc),
                        n_resamples=args.resamples,
                        methods=methods,
                        pool=pool if args.jobs > 1 else None,
                    )
                    rows.append({"n": n, "prevalence": prevalence, "auc": auc, "sims": sims, **cell})
                    cells = [" → ".join(f"{cell[m][k]:.1f}" for m in methods) for k in keys]
                    line = f"| {n} | {prevalence:.0%} | {auc} | " + " | ".join(cells) + f" | {sims} |"
                    print(line, flush=True)
    # Pooled: the mean over cells (each cell weighs the same, whatever its number of splits).
    pooled = {m: {k: float(np.mean([r[m][k] for r in rows])) for k in keys} for m in methods}
    cells = [" → ".join(f"{pooled[m][k]:.1f}" for m in methods) for k in keys]
    print("| all | | | " + " | ".join(cells) + " | |")
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"methods": methods, "rows": rows, "pooled": pooled}, indent=2))


if __name__ == "__main__":
    main()
