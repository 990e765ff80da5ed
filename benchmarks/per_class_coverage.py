"""Coverage of a multiclass model's per-class 95% intervals (precision, recall, F1) against a known truth.

    python benchmarks/per_class_coverage.py                 # the full grid, 2000 simulations per cell
    python benchmarks/per_class_coverage.py --sims 300 --sizes 200

A model's behaviour on three classes is a fixed joint distribution P of (true class, predicted class): the
class mix `prevalence`, and per true class the share predicted right (`accuracy`), its errors spread evenly
over the other classes. Every population value follows from P: precision_k = P[k,k] / sum_i P[i,k],
recall_k = P[k,k] / sum_j P[k,j], F1_k = 2 P[k,k] / (row_k + column_k). Each simulated test split is n
i.i.d. rows, i.e. one multinomial draw of the K x K cells; a split missing a class is drawn again (the tool
refuses one). The intervals are `workers.evaluation.confusion.confusion_section`'s: Wilson for precision
and recall, the bias-corrected row bootstrap for F1 (the Wilson bound where every resample agrees).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from workers.evaluation.confusion import confusion_section, per_class_rates

METRICS = ("precision", "recall", "f1")
SIZES = (200, 1000, 5000)
PREVALENCES = ((0.45, 0.35, 0.20), (0.80, 0.15, 0.05))
ACCURACIES = ((0.90, 0.80, 0.70), (0.99, 0.97, 0.95))
N_RESAMPLES = 1000


def joint(prevalence: tuple[float, ...], accuracy: tuple[float, ...]) -> np.ndarray:
    """P[i, j]: the probability that a row is of class i and predicted as class j."""
    k = len(prevalence)
    p = np.zeros((k, k))
    for i, (share, right) in enumerate(zip(prevalence, accuracy, strict=True)):
        p[i] = share * (1 - right) / (k - 1)
        p[i, i] = share * right
    return p


def coverage(p: np.ndarray, n: int, sims: int, seed: int) -> dict[str, np.ndarray]:
    """Share of `sims` simulated splits whose interval holds the truth, per metric and class."""
    k = p.shape[0]
    truth = per_class_rates(p)
    rng = np.random.default_rng(seed)
    held = {m: np.zeros(k) for m in METRICS}
    done = 0
    while done < sims:
        cells = rng.multinomial(n, p.ravel())
        rows = np.repeat(np.arange(k * k), cells)
        y, predicted = rows // k, rows % k
        if np.unique(y).size < k:
            continue
        section = confusion_section(
            y, predicted, k, class_names=None, n_resamples=N_RESAMPLES, seed=done, confidence=0.95
        )
        for j, row in enumerate(section["per_class"]):
            for m in METRICS:
                held[m][j] += row[m]["ci_low"] <= truth[m][j] <= row[m]["ci_high"]
        done += 1
    return {m: h / sims for m, h in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2000)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    print("| class mix | accuracy per class | n | precision % | recall % | F1 % |")
    print("|---|---|---:|---|---|---|")
    for prevalence in PREVALENCES:
        for accuracy in ACCURACIES:
            for n in args.sizes:
                start = time.perf_counter()
                cov = coverage(joint(prevalence, accuracy), n, args.sims, seed=n)
                cells = [" / ".join(f"{100 * v:.1f}" for v in cov[m]) for m in METRICS]
                print(
                    f"| {prevalence} | {accuracy} | {n} | {' | '.join(cells)} |"
                    f"  <!-- {time.perf_counter() - start:.0f} s -->",
                    flush=True,
                )


if __name__ == "__main__":
    main()
