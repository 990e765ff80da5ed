"""How well confident learning recovers label noise (issue 12, item 2), and what the stage costs at 100k rows.

    python benchmarks/label_noise.py            # everything (the 100k timing fits a logistic regression)
    python benchmarks/label_noise.py --quick    # recovery only, fewer seeds, a few seconds
    python benchmarks/label_noise.py --only-100k  # the timing alone

1. Recovery: 0%, 5% and 10% of the labels of breast cancer (examples/) and wine (three classes) moved to
   another class at random; the estimate from 5-fold logistic-regression probabilities on every row, its
   error against the injected share (mean and worst over seeds), how often the 95% interval holds the
   truth, and precision at k (k = rows flipped) of the suspects.
2. The assessment's own path on breast cancer: the label_noise stage of a real assessment (validation
   split of the best baseline, 5-fold refits on train), against the share flipped among the rows it
   examines (train + validation; never test).
3. Seconds at 100k rows: make_classification(100_000, 50, n_informative=20, n_redundant=10, flip_y=0.03,
   class_sep=0.8) — flip_y gives ~1.5% wrong labels. The stage judges the 20,000 validation rows (the
   training split is past `OOF_MAX_CELLS`); its seconds are timed inside a real assessment context whose
   baseline is logistic regression alone. Also: what one 5-fold refit on train would have cost.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_wine, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from workers.assessment.config import AssessmentConfig
from workers.assessment.context import AssessmentContext
from workers.assessment.evaluation_stages import validation_stage
from workers.assessment.noise_stage import label_noise_stage
from workers.assessment.outputs import BaselinesOutput, DeepOutput
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.baselines import fit_baseline
from workers.data.loading import load_dataset
from workers.evaluation import validation_metrics
from workers.evaluation.label_noise import Source, estimate_noise
from workers.families import LOGISTIC_REGRESSION, XGBOOST
from workers.rubric.questionnaire import Answers
from workers.split import TEST, make_split

QUICK = "--quick" in sys.argv
ONLY_100K = "--only-100k" in sys.argv  # the timing alone
LR_ONLY = "--lr-only" in sys.argv  # at 100k, skip the XGBoost fit
SEEDS = range(3) if QUICK else range(10)
ROOT = Path(__file__).resolve().parents[1]
BREAST_CANCER = ROOT / "examples" / "breast_cancer.csv"


def _flip(y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    rows = rng.choice(len(y), round(share * len(y)), replace=False)
    flipped = y.copy()
    flipped[rows] = (flipped[rows] + rng.integers(1, k, len(rows))) % k
    return flipped, rows


def _breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(BREAST_CANCER)
    y = (frame.pop("diagnosis") == "malignant").to_numpy(dtype=np.int64)
    return frame.to_numpy(dtype=float), y


def recovery() -> None:
    print(
        "| data | injected | estimated (mean) | mean abs error | worst abs error | interval holds truth | precision@k |"
    )
    print("|---|---|---|---|---|---|---|")
    wine_x, wine_y = load_wine(return_X_y=True)
    for name, (x, y) in {
        "breast cancer (569)": _breast_cancer(),
        "wine (178, 3 classes)": (wine_x, wine_y),
    }.items():
        for share in (0.0, 0.05, 0.10):
            rates, covered, precision = [], [], []
            for seed in SEEDS:
                noisy, flipped = _flip(y, share, seed)
                model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
                folds = StratifiedKFold(5, shuffle=True, random_state=seed)
                proba = cross_val_predict(model, x, noisy, cv=folds, method="predict_proba")
                est = estimate_noise([Source("oof", np.arange(len(y)), noisy, proba)], seed=seed)
                truth = len(flipped) / len(y)
                rates.append(est.rate)
                covered.append(est.ci_low <= truth <= est.ci_high)
                if len(flipped):
                    top = {s.row for s in est.suspects[: len(flipped)]}
                    precision.append(len(top & set(flipped.tolist())) / len(flipped))
            errors = np.abs(np.array(rates) - share)
            p_at_k = f"{np.mean(precision):.2f}" if precision else "—"
            print(
                f"| {name} | {share:.0%} | {np.mean(rates):.2%} | {errors.mean():.2%} | {errors.max():.2%} "
                f"| {np.mean(covered):.0%} | {p_at_k} |"
            )


def assessment_path() -> None:
    print(
        "\n| breast cancer, assessment | injected | flipped among examined | estimated | interval | best baseline |"
    )
    print("|---|---|---|---|---|---|")
    frame0 = pd.read_csv(BREAST_CANCER)
    y = (frame0["diagnosis"] == "malignant").to_numpy(dtype=np.int64)
    config = AssessmentConfig(target="diagnosis", run_deep=False, learning_curve=False, n_resamples=200)
    with tempfile.TemporaryDirectory() as scratch:
        for share in (0.0, 0.05, 0.10):
            for seed in range(1, 3 if QUICK else 4):
                noisy, flipped = _flip(y, share, seed)
                frame = frame0.assign(diagnosis=np.where(noisy == 1, "malignant", "benign"))
                path = Path(scratch) / "noisy.csv"
                frame.to_csv(path, index=False)
                report = assess_file(path, config, InMemoryStore())
                split = make_split(load_dataset(path, target="diagnosis"), seed=config.seed)
                examined = np.flatnonzero(split.assignment != TEST)
                truth = float(np.isin(examined, flipped).mean())
                n = report["label_noise"]
                print(
                    f"| seed {seed} | {share:.0%} | {truth:.1%} | {n['estimated_rate']:.1%} "
                    f"| [{n['ci_low']:.1%}, {n['ci_high']:.1%}] | {report['comparison']['best_baseline']} |"
                )


def seconds_at_100k() -> None:
    x, y = make_classification(
        100_000, 50, n_informative=20, n_redundant=10, flip_y=0.03, class_sep=0.8, random_state=0
    )
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(50)]).assign(target=y)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "synthetic_100k.parquet"
        frame.to_parquet(path)
        dataset = load_dataset(path, target="target")
    config = AssessmentConfig(target="target", run_deep=False, learning_curve=False, n_jobs=2)
    ctx = AssessmentContext(
        dataset=dataset, config=config, answers=Answers(), store=InMemoryStore(), key="bench"
    )
    from workers.assessment.data_stages import checks_stage, profile_stage, split_stage

    for name, stage in (("profile", profile_stage), ("split", split_stage), ("checks", checks_stage)):
        ctx.outputs[name] = stage(ctx)
    train_frame, y_train = ctx.train
    val_frame, y_val = ctx.validation
    started = time.perf_counter()
    model = fit_baseline(LOGISTIC_REGRESSION, train_frame, y_train, val_frame, y_val, n_jobs=2)
    one_fit = time.perf_counter() - started
    models = [model]
    if not LR_ONLY:  # the assessment's best baseline on this table: XGBoost (minutes on a busy 2-core box)
        models.append(fit_baseline(XGBOOST, train_frame, y_train, val_frame, y_val, n_jobs=2))
    for fitted in models:
        proba = fitted.predict_proba(val_frame)
        ctx.outputs["baselines"] = BaselinesOutput(
            models=[fitted],
            val_proba={fitted.name: proba},
            val_roc_auc={fitted.name: validation_metrics(y_val, proba)["roc_auc"]},
        )
        ctx.outputs["deep_model"] = DeepOutput(model=None, skipped=True)
        ctx.outputs["validation"] = validation_stage(ctx)
        started = time.perf_counter()
        output = label_noise_stage(ctx)
        seconds = time.perf_counter() - started
        section = output.section or {}
        print(
            f"\n100k x 50 (flip_y=0.03), validation scored by {fitted.name} (validation ROC-AUC "
            f"{ctx.baselines.val_roc_auc[fitted.name]:.3f}): label_noise stage {seconds:.2f} s on "
            f"{section.get('n_examined')} rows; estimated {section.get('estimated_rate', 0):.2%} "
            f"[{section.get('ci_low', 0):.2%}, {section.get('ci_high', 0):.2%}], "
            f"{section.get('n_suspects')} suspects; ceiling ROC-AUC {section['ceiling']['roc_auc']:.3f}."
        )
    print(
        f"One logistic regression on the 60k training rows: {one_fit:.1f} s; 5-fold refits ~ {4 * one_fit:.0f} s."
    )


if __name__ == "__main__":
    if not ONLY_100K:
        recovery()
        assessment_path()
    if not QUICK:
        seconds_at_100k()
