"""Does a grid's leaderboard reward overfitting? The old ranking (Thresholdout fed with the training score),
the plain validation maximum and the Ladder (what grids rank by now), on simulated tables with a known truth.

Each run draws a table (a few informative columns among noise columns, label noise), fits the default
logistic-regression grid (C = 0.01 … 100, five points) on its training rows, scores each point on its
validation rows, and measures each point's true ROC-AUC on 20,000 fresh rows. Each ranking then picks a
winner and shows a score; the table reports, per ranking:

- `C=100 wins`: how often the least-regularised point is ranked first;
- `regret`: mean (best true AUC in the grid − the winner's true AUC);
- `optimism`: mean (score shown for the winner − its true AUC);
- `shown > 1`: how often the score shown for the winner is above 1.

    python benchmarks/grid_leaderboard.py               # 200 runs per scenario (~7 s a run on 2 cores)
    python benchmarks/grid_leaderboard.py --runs 50     # quicker
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.journal.grids import rank_points
from workers.evaluation.thresholdout import thresholdout_scores
from workers.experiments.grid import complexity_ranks, default_grid, expand_grid
from workers.experiments.run import run_experiment

FAMILY = "logistic_regression"
FRESH_ROWS = 20_000


@dataclass(frozen=True)
class Scenario:
    name: str
    n_train: int
    n_validation: int
    n_features: int
    noise: float  # sd of the label noise added to x0 + x1


SCENARIOS = (
    Scenario("strong signal, 180 train / 120 val, 40 columns", 180, 120, 40, 0.5),
    Scenario("weaker signal, 600 train / 200 val, 100 columns", 600, 200, 100, 1.5),
    Scenario("near-separable, 150 train / 150 val, 60 columns", 150, 150, 60, 0.2),
)


def table(rng: np.random.Generator, rows: int, scenario: Scenario) -> tuple[pd.DataFrame, np.ndarray]:
    x = rng.standard_normal((rows, scenario.n_features))
    y = (x[:, 0] + x[:, 1] + scenario.noise * rng.standard_normal(rows) > 0).astype(int)
    return pd.DataFrame(x, columns=[f"x{i}" for i in range(scenario.n_features)]), y


def one_run(scenario: Scenario, seed: int) -> dict[str, tuple[int, float, float]]:
    """Per ranking: (winner's index, its true AUC, the score shown for it); plus 'best' (true maximum)."""
    rng = np.random.default_rng(seed)
    frame, y = table(rng, scenario.n_train + scenario.n_validation, scenario)
    fresh, y_fresh = table(rng, FRESH_ROWS, scenario)
    cut = scenario.n_train
    parts = (frame.iloc[:cut], y[:cut], frame.iloc[cut:], y[cut:])
    points = expand_grid(FAMILY, default_grid(FAMILY))
    results = [run_experiment(parts, FAMILY, p, seed=seed, n_jobs=1) for p in points]
    train = [float(r.train_roc_auc or 0.0) for r in results]
    validation = [float(r.validation["roc_auc"]) for r in results]
    true = []
    for r in results:
        assert r.model is not None
        true.append(float(roc_auc_score(y_fresh, r.model.predict_proba(fresh)[:, 1])))

    old = thresholdout_scores(list(zip(train, validation, strict=True)), seed=seed)
    old_values = [-np.inf if q.value is None else q.value for q in old]  # None: the budget was spent
    old_winner = int(np.argmax(old_values))
    plain_winner = int(np.argmax(validation))
    complexity = complexity_ranks(FAMILY, points)
    rows = [
        {
            "position": i,
            "validation_roc_auc": v,
            "complexity": c,
            "ladder_roc_auc": None,
            "ladder_new_best": None,
        }
        for i, (v, c) in enumerate(zip(validation, complexity, strict=True))
    ]
    leader = rank_points(rows, rank_by="ladder")[0]
    ladder_winner = leader["position"]
    return {
        "Thresholdout on train score (before)": (
            old_winner,
            true[old_winner],
            float(old[old_winner].value or 0),
        ),
        "plain validation maximum": (plain_winner, true[plain_winner], validation[plain_winner]),
        "Ladder, simplest first (now)": (ladder_winner, true[ladder_winner], leader["ladder_roc_auc"]),
        "best": (int(np.argmax(true)), max(true), max(true)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="simulated tables per scenario")
    args = parser.parse_args()
    least_regularised = len(expand_grid(FAMILY, default_grid(FAMILY))) - 1  # C=100, last in the grid
    for scenario in SCENARIOS:
        start = time.perf_counter()
        runs = [one_run(scenario, seed) for seed in range(args.runs)]
        print(f"\n{scenario.name} — {args.runs} runs, {time.perf_counter() - start:.0f} s")
        print(f"{'ranking':40} {'C=100 wins':>10} {'regret':>8} {'optimism':>9} {'shown > 1':>9}")
        for method in [m for m in runs[0] if m != "best"]:
            wins = np.mean([run[method][0] == least_regularised for run in runs])
            regret = np.mean([run["best"][1] - run[method][1] for run in runs])
            optimism = np.mean([run[method][2] - run[method][1] for run in runs])
            past_one = np.mean([run[method][2] > 1.0 for run in runs])
            print(f"{method:40} {wins:10.1%} {regret:8.4f} {optimism:+9.4f} {past_one:9.1%}")


if __name__ == "__main__":
    main()
