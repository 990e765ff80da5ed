"""What the payoff in money adds to an assessment at 100k rows (issue 12 allows under 10% for all its sections).

At 100k rows the split holds 20k validation and 20k test rows; the section chooses four models' thresholds on
validation, bootstraps their expected values on test (1,000 resamples by default, as the assessment does), and
scans 241 cost ratios for the break-even point. The scores are seeded binormal ones (ROC-AUC ≈ 0.8–0.85), so
nearly every score is distinct, the worst case for the threshold search.

    python benchmarks/bench_economics.py                  # 20k + 20k rows, 4 models, 1000 resamples
    python benchmarks/bench_economics.py --rows 200000    # another assessment size
    python benchmarks/bench_economics.py --coverage       # how often the 95% intervals hold the truth
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from workers.assessment.economics_section import economics_section
from workers.evaluation.economics import Money, bootstrap_ev
from workers.rubric.questionnaire import PayoffAnswers

MODELS = ("Logistic regression", "Random forest", "XGBoost", "ResNet MLP")
ASSESSMENT_100K_SECONDS = 79.1  # README: the 100k × 50 file through `readiness assess`, wall


def _scores(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    return {name: y * (1.15 + 0.1 * k) + rng.normal(0.0, 1.0, y.size) for k, name in enumerate(MODELS)}


def coverage(runs: int = 1000, resamples: int = 1000) -> None:
    """How often the 95% intervals hold the true EV and ΔEV: two models' joint outcomes (TN, FP, FN, TP each)
    drawn from known shares, so the truth is known exactly."""
    money = Money(value_tp=50.0, cost_fp=10.0, cost_fn=30.0)
    gains = money.gains()
    patterns = np.array([(a, b) for a in range(4) for b in range(4)])
    shares = np.array([0.40, 0.05, 0, 0, 0.04, 0.10, 0, 0, 0, 0, 0.08, 0.04, 0, 0, 0.05, 0.24], dtype=float)
    shares /= shares.sum()
    truth_base = 1000 * float(shares @ gains[patterns[:, 0]])
    truth_delta = 1000 * float(shares @ (gains[patterns[:, 1]] - gains[patterns[:, 0]]))
    rng = np.random.default_rng(11)
    for rows in (100, 400, 2000):
        held_base = held_delta = 0
        for run in range(runs):
            codes = patterns[rng.choice(len(patterns), size=rows, p=shares)]
            sample = bootstrap_ev(codes, money, n_resamples=resamples, seed=run)
            _, low, high = sample.interval(0)
            held_base += low <= truth_base <= high
            _, low, high = sample.interval(np.array([-1.0, 1.0]))
            held_delta += low <= truth_delta <= high
        print(
            f"{rows:>5} test rows: EV {100 * held_base / runs:.1f}%, paired ΔEV {100 * held_delta / runs:.1f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the assessed file (20%% each split)"
    )
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--coverage", action="store_true", help="the intervals' coverage instead of the time")
    args = parser.parse_args()
    if args.coverage:
        coverage(resamples=args.resamples)
        return
    rng = np.random.default_rng(0)
    part = args.rows // 5
    y_val, y_test = (rng.uniform(size=part) < 0.3).astype(int), (rng.uniform(size=part) < 0.3).astype(int)
    val, test = _scores(rng, y_val), _scores(rng, y_test)
    payoff = PayoffAnswers(
        value_true_positive=1000.0,
        cost_false_positive=400.0,
        cost_false_negative=3000.0,
        currency="USD",
        decisions_per_year=20_000.0,
    )
    seconds = []
    for run in range(args.runs):
        started = time.perf_counter()
        section = economics_section(
            payoff,
            is_binary=True,
            y_val=y_val,
            val_scores=val,
            y_test=y_test,
            test_scores=test,
            best_baseline="XGBoost",
            deep="ResNet MLP",
            n_resamples=args.resamples,
            seed=run,
        )
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(
        f"{args.rows:,} rows ({part:,} validation + {part:,} test), {len(MODELS)} models, {args.resamples} resamples"
    )
    print(f"economics section: median {median:.3f} s, min {min(seconds):.3f} s over {args.runs} runs")
    if args.rows == 100_000:
        print(
            f"share of the 100k assessment ({ASSESSMENT_100K_SECONDS} s): {100 * median / ASSESSMENT_100K_SECONDS:.2f}%"
        )
    print(section["sentence"])


if __name__ == "__main__":
    main()
