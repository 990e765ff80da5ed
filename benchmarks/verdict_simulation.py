"""How often each verdict is given when the truth is known: simulated test scores, the real verdict rule.

Two models score the same test rows; their scores are binormal (equal-variance normal scores in each
class, so ROC-AUC = Φ(d/√2) for a class separation d) with correlated noise, as two models of the same
data are. The best baseline's true ROC-AUC is 0.80, the deep model's 0.80 + gain. Each run builds the
`Evidence` an assessment would (DeLong's ΔAUC interval and each model's DeLong AUC interval) and calls
`workers.verdict.decide_verdict`; "old rule" is the rule before issue 10 (good enough unless p < 0.05
and ΔAUC > 0.005), for comparison.

    python benchmarks/verdict_simulation.py                 # the README's grid, 1,000 runs a cell
    python benchmarks/verdict_simulation.py --runs 200      # a quicker look
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from workers.evaluation.delong import delong_auc_interval, delong_delta_interval, delong_roc_test
from workers.rubric.evidence import Evidence
from workers.rubric.questionnaire import Answers
from workers.verdict import decide_verdict

BASE_AUC = 0.80
PREVALENCE = 0.3
NOISE_CORRELATION = 0.5  # between the two models' scores within a class
GAINS = (0.0, 0.01, 0.02, 0.03)
TEST_ROWS = (400, 1000, 5000)
CODES = ("no_signal", "simple_model_good_enough", "inconclusive", "deep_learning_worth_it")


def _separation(auc: float) -> float:
    """Class separation d of a binormal score with this ROC-AUC: AUC = Φ(d / √2)."""
    return float(np.sqrt(2.0) * norm.ppf(auc))


def one_run(
    rng: np.random.Generator, *, base_auc: float, gain: float, n_test: int, prevalence: float = PREVALENCE
) -> tuple[str, str]:
    """(new verdict code, old rule's code) for one simulated test split."""
    y = (rng.random(n_test) < prevalence).astype(np.int64)
    shared = rng.normal(size=n_test)
    own = rng.normal(size=(2, n_test))
    rho = NOISE_CORRELATION
    noise = np.sqrt(rho) * shared + np.sqrt(1.0 - rho) * own
    base = y * _separation(base_auc) + noise[0]
    deep = y * _separation(base_auc + gain) + noise[1]
    _, _, p = delong_roc_test(y, base, deep)
    delta, low, high = delong_delta_interval(y, base, deep)
    n_pos = int(y.sum())
    evidence = Evidence(
        n_rows=5 * n_test,  # the 60/20/20 split
        n_features=10,
        n_classes=2,
        min_class_count=5 * min(n_pos, n_test - n_pos),
        positive_rate=prevalence,
        best_baseline="xgboost",
        baseline_test={"roc_auc": _interval(*delong_auc_interval(y, base))},
        deep_test={"roc_auc": _interval(*delong_auc_interval(y, deep))},
        delta_roc_auc=delta,
        comparison_p_value=p,
        delta_ci_low=low,
        delta_ci_high=high,
        test_rows=n_test,
    )
    old = "deep_learning_worth_it" if p < 0.05 and delta > 0.005 else "simple_model_good_enough"
    return decide_verdict(evidence, Answers()).code, old


def _interval(value: float, low: float, high: float) -> dict[str, float]:
    return {"value": value, "ci_low": low, "ci_high": high}


def simulate(
    *, gain: float, n_test: int, runs: int, seed: int = 0, base_auc: float = BASE_AUC
) -> tuple[Counter[str], Counter[str]]:
    """How often each verdict (new rule, old rule) is given in `runs` seeded simulations of one cell."""
    rng = np.random.default_rng(seed)
    new: Counter[str] = Counter()
    old: Counter[str] = Counter()
    for _ in range(runs):
        code, old_code = one_run(rng, base_auc=base_auc, gain=gain, n_test=n_test)
        new[code] += 1
        old[old_code] += 1
    return new, old


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulations per cell")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(
        f"base ROC-AUC {BASE_AUC}, {PREVALENCE:.0%} positives, noise correlation {NOISE_CORRELATION}, "
        f"{args.runs} runs a cell, margin 0.01\n"
    )
    print(
        "| true gain | test rows | no signal | good enough | inconclusive | worth it | old rule: good enough |"
    )
    print("|---|---|---|---|---|---|---|")
    for gain in GAINS:
        for n_test in TEST_ROWS:
            new, old = simulate(gain=gain, n_test=n_test, runs=args.runs, seed=args.seed)
            shares = " | ".join(f"{new[c] / args.runs:.0%}" for c in CODES)
            old_share = old["simple_model_good_enough"] / args.runs
            print(f"| +{gain:.2f} | {n_test:,} | {shares} | {old_share:.0%} |", flush=True)
    new, _ = simulate(gain=0.0, n_test=1000, runs=args.runs, seed=args.seed, base_auc=0.5)
    print(
        f"\npure noise (both models AUC 0.5, 1,000 rows): no_signal in {new['no_signal'] / args.runs:.0%} of runs"
    )


if __name__ == "__main__":
    main()
