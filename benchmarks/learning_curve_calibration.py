"""Do the learning-curve intervals cover as often as they say, and how often does a flat curve read "still rising"?

    python benchmarks/learning_curve_calibration.py            # 100 seeded runs per scenario (10-20 min)
    python benchmarks/learning_curve_calibration.py --runs 30  # quicker

Each run simulates what the curve stage measures: validation ROC-AUC at 10%, 25%, 50% and 100% of a training
split, all on the same 1,000 validation rows (30% positive). Scores are binormal, score = d(n) * y + noise, with
d(n) set so that the model's true AUC follows a known power law a - g * (n / n_max)^(-c); half of each row's
noise is shared by every point (the same validation rows, scored by related models), half is the point's own.
The true ceiling a and the true gain per doubling at n_max, g * (1 - 2^-c), are known, so the coverage of their
intervals and the share of runs that say "still rising" can be counted.

"Before" is the fit the assessments used until issue 12 (`fit_learning_curve` without the points' errors:
residual-scatter noise, 95% bootstrap of the ceiling, "still rising" when the fitted gain exceeds 0.002).
"After" is `workers.curve_inference.infer_curve` with the points' Hanley-McNeil standard errors. Prints a
Markdown table for the README, then the added seconds of the weighted fits per assessment.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

from workers.assessment.curve_summary import CurvePoint, ModelCurve, summarise_curves
from workers.curve_inference import covariance, hanley_mcneil_se, infer_curve
from workers.learning_curve import fit_learning_curve

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
N_MAX = 3_000
N_VALIDATION = 1_000
POSITIVE_RATE = 0.3
SHARED_NOISE = 0.5  # share of each validation row's score noise common to every point


@dataclass(frozen=True)
class Scenario:
    name: str
    a: float
    c: float
    gain: float  # true gain per doubling at n_max

    @property
    def g(self) -> float:
        return self.gain / (1.0 - 2.0 ** (-self.c))


SCENARIOS = (
    Scenario("the issue's flat case: Bayes AUC 0.888, gain 0.0018/doubling", 0.888, 0.5, 0.0018),
    Scenario("rising: ceiling 0.888, gain 0.009/doubling", 0.888, 0.5, 0.009),
    Scenario("steep: ceiling 0.95, gain 0.019/doubling", 0.95, 0.3, 0.019),
)


def simulate(s: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = rng.random(N_VALIDATION) < POSITIVE_RATE
    n1 = int(y.sum())
    n0 = N_VALIDATION - n1
    shared = rng.standard_normal(N_VALIDATION)
    sizes = np.array(FRACTIONS) * N_MAX
    aucs, ses = [], []
    for n in sizes:
        true_auc = s.a - s.g * (n / N_MAX) ** (-s.c)
        d = np.sqrt(2.0) * norm.ppf(true_auc)  # binormal, unit variance: AUC = Phi(d / sqrt 2)
        noise = np.sqrt(SHARED_NOISE) * shared + np.sqrt(1 - SHARED_NOISE) * rng.standard_normal(N_VALIDATION)
        ranks = rankdata(d * y + noise)
        auc = (ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        aucs.append(auc)
        ses.append(hanley_mcneil_se(auc, n1, n0))
    return sizes, np.array(aucs), np.array(ses)


def run(s: Scenario, runs: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(
        (
            "before_ceiling95",
            "before_rising",
            "ceiling80",
            "ceiling95",
            "gain80",
            "gain95",
            "rising",
            "flagged",
        ),
        0,
    )
    for i in range(runs):
        sizes, aucs, ses = simulate(s, rng)
        before = fit_learning_curve(sizes, aucs, n_bootstrap=200, seed=i)
        low, high = before.asymptote_ci_low, before.asymptote_ci_high
        counts["before_ceiling95"] += low is not None and high is not None and low <= s.a <= high
        counts["before_rising"] += before.still_rising
        after = infer_curve(sizes, aucs, ses)
        counts["ceiling80"] += after.ceiling.low <= s.a <= after.ceiling.high
        counts["ceiling95"] += after.ceiling_95.low <= s.a <= after.ceiling_95.high
        counts["gain80"] += after.gain.low <= s.gain <= (after.gain.high or 1.0)
        counts["gain95"] += after.gain_95.low <= s.gain <= (after.gain_95.high or 1.0)
        counts["rising"] += after.still_rising
        counts["flagged"] += not after.quality.ok
    return {k: v / runs for k, v in counts.items()}


def in_model(s: Scenario, runs: int, seed: int) -> dict[str, float]:
    """Coverage when the points' noise is exactly what the fit assumes (normal, the stated SEs, correlation
    POINT_CORRELATION): separates the method's own calibration from the Hanley-McNeil SE's conservatism."""
    rng = np.random.default_rng(seed)
    sizes = np.array(FRACTIONS) * N_MAX
    se = np.array([0.016, 0.015, 0.015, 0.014])
    truth = s.a - s.g * (sizes / N_MAX) ** (-s.c)
    counts = dict.fromkeys(("ceiling80", "ceiling95", "gain80", "gain95"), 0)
    for y in truth + rng.multivariate_normal(np.zeros(sizes.size), covariance(se), size=runs):
        f = infer_curve(sizes, y, se)
        counts["ceiling80"] += f.ceiling.low <= s.a <= f.ceiling.high
        counts["ceiling95"] += f.ceiling_95.low <= s.a <= f.ceiling_95.high
        counts["gain80"] += f.gain.low <= s.gain <= (f.gain.high or 1.0)
        counts["gain95"] += f.gain_95.low <= s.gain <= (f.gain_95.high or 1.0)
    return {k: v / runs for k, v in counts.items()}


def added_seconds(repeats: int = 20) -> tuple[float, float]:
    """Seconds of `summarise_curves` for two curves at 100k rows (60k training rows), without and with the
    points' standard errors (the weighted fits). The fits see 4 points per curve whatever the row count."""
    sizes = [int(f * 60_000) for f in FRACTIONS]

    def curve(name: str, role: str, aucs: list[float], with_se: bool) -> ModelCurve:
        points = [
            CurvePoint(
                f, n, auc, "learning_curve", se=hanley_mcneil_se(auc, 6_000, 14_000) if with_se else None
            )
            for f, n, auc in zip(FRACTIONS, sizes, aucs, strict=True)
        ]
        return ModelCurve(name, "xgboost" if role == "best_baseline" else "deep", role, points)  # type: ignore[arg-type]

    out = []
    for with_se in (False, True):
        started = time.perf_counter()
        for _ in range(repeats):
            summarise_curves(
                curve("XGBoost", "best_baseline", [0.861, 0.872, 0.879, 0.883], with_se),
                curve("ResNet MLP", "deep", [0.840, 0.858, 0.869, 0.877], with_se),
                seed=0,
                target=0.9,
                target_metric="roc_auc",
            )
        out.append((time.perf_counter() - started) / repeats)
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100, help="seeded runs per scenario (default 100)")
    parser.add_argument("--in-model-only", action="store_true", help="only the in-model table and the timing")
    args = parser.parse_args()
    if not args.in_model_only:
        print(
            "| Scenario | Ceiling 95% covers: before | after (80% / 95%) | Gain/doubling covers (80% / 95%) "
            '| "Still rising": before | after | Flagged ill-behaved |'
        )
        print("|---|---|---|---|---|---|---|")
    for k, s in enumerate(SCENARIOS if not args.in_model_only else ()):
        r = run(s, args.runs, seed=1_000 * (k + 1))
        print(
            f"| {s.name} | {r['before_ceiling95']:.0%} | {r['ceiling80']:.0%} / {r['ceiling95']:.0%} "
            f"| {r['gain80']:.0%} / {r['gain95']:.0%} | {r['before_rising']:.0%} | {r['rising']:.0%} "
            f"| {r['flagged']:.0%} |"
        )
    print(
        "\n| Scenario, noise exactly as the fit assumes | Ceiling covers (80% / 95%) | Gain covers (80% / 95%) |"
    )
    print("|---|---|---|")
    for k, s in enumerate(SCENARIOS):
        r = in_model(s, 2 * args.runs, seed=7 + k)
        print(
            f"| {s.name} | {r['ceiling80']:.0%} / {r['ceiling95']:.0%} | {r['gain80']:.0%} / {r['gain95']:.0%} |"
        )
    without, with_se = added_seconds()
    print(
        f"\nsummarise_curves, two curves at 100k rows: {without:.3f} s without the points' errors, "
        f"{with_se:.3f} s with the weighted fits: +{with_se - without:.3f} s per assessment ({args.runs} runs)."
    )


if __name__ == "__main__":
    main()
