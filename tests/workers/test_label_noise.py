"""Confident learning recovers label noise injected into real data, and an assessment reports it.

The flips are injected into scikit-learn's bundled breast-cancer data (the file in examples/) and wine
(three classes); the out-of-sample probabilities are 5-fold logistic regression, as cheap as the stage's
own refits on a small table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from service.cli.terminal_report import render_report
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.data.loading import load_dataset
from workers.evaluation.label_noise import Source, estimate_noise, roc_auc_ceiling
from workers.report.html import render_html
from workers.report.noise_csv import suspects_csv
from workers.rubric.evidence import Evidence
from workers.rubric.questionnaire import Answers
from workers.rubric.scoring import score_readiness
from workers.split import SPLIT_NAMES, make_split
from workers.verdict import decide_verdict

ROOT = Path(__file__).resolve().parents[2]
BREAST_CANCER = ROOT / "examples" / "breast_cancer.csv"


def _breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(BREAST_CANCER)
    y = (frame.pop("diagnosis") == "malignant").to_numpy(dtype=np.int64)
    return frame.to_numpy(dtype=float), y


def _flip(y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`y` with `share` of its rows moved to another class at random, and which rows."""
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    rows = rng.choice(len(y), round(share * len(y)), replace=False)
    flipped = y.copy()
    flipped[rows] = (flipped[rows] + rng.integers(1, k, len(rows))) % k
    return flipped, rows


def _out_of_fold(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_predict(model, x, y, cv=folds, method="predict_proba")


@pytest.mark.parametrize("share", [0.05, 0.10])
@pytest.mark.parametrize("data", ["breast_cancer", "wine"])
def test_injected_flips_are_recovered_within_three_points(share: float, data: str) -> None:
    x, y = _breast_cancer() if data == "breast_cancer" else load_wine(return_X_y=True)
    noisy, flipped = _flip(y, share, seed=1)
    estimate = estimate_noise([Source("oof", np.arange(len(y)), noisy, _out_of_fold(x, noisy))], seed=0)
    assert abs(estimate.rate - share) <= 0.03, estimate.rate
    assert estimate.ci_low <= estimate.rate <= estimate.ci_high
    assert estimate.ci_low > 0.0  # the interval knows there is noise
    # Most of the top suspects are rows we flipped (precision at k = the number flipped).
    top = {s.row for s in estimate.suspects[: len(flipped)]}
    assert len(top & set(flipped.tolist())) / len(flipped) >= 0.6


def test_breast_cancers_own_labels_read_low() -> None:
    x, y = _breast_cancer()
    estimate = estimate_noise([Source("oof", np.arange(len(y)), y, _out_of_fold(x, y))], seed=0)
    # It reads 0.2% [0.0%, 0.6%] with logistic regression: one or two rows of 569 look wrong.
    assert estimate.rate < 0.01 and estimate.ci_high < 0.02
    assert len(estimate.suspects) <= 3


def test_the_roc_auc_ceiling_is_what_a_perfect_ranker_scores_against_flipped_labels() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    truth = (rng.random(200_000) < 0.3).astype(int)
    score = truth + rng.random(len(truth)) * 0.5  # ranks every true positive above every true negative
    flipped = np.where(rng.random(len(truth)) < 0.08, 1 - truth, truth)
    assert roc_auc_score(flipped, score) == pytest.approx(roc_auc_ceiling(0.08, 0.3), abs=0.003)
    assert roc_auc_ceiling(0.1, 0.5) == pytest.approx(0.9)  # 1 − ε when balanced


def _assignment(report: dict, path: Path) -> list[str]:
    """Each row's split, made again the way the assessment made it (same file, same seed)."""
    dataset = load_dataset(path, target="diagnosis")
    split = make_split(dataset, seed=report["split"]["seed"])
    assert split.split_id == report["split"]["split_id"]
    return [SPLIT_NAMES[part] for part in split.assignment]


def test_an_assessment_reports_the_noise_it_finds_and_where(tmp_path: Path) -> None:
    frame = pd.read_csv(BREAST_CANCER)
    labels = frame["diagnosis"].to_numpy()
    y = (labels == "malignant").astype(np.int64)
    noisy, flipped = _flip(y, 0.10, seed=2)
    frame["diagnosis"] = np.where(noisy == 1, "malignant", "benign")
    path = tmp_path / "noisy.csv"
    frame.to_csv(path, index=False)
    config = AssessmentConfig(target="diagnosis", run_deep=False, learning_curve=False, n_resamples=200)
    report = assess_file(path, config, InMemoryStore())

    noise = report["label_noise"]
    # Train and validation are examined, never test: the share to recover is the flips among those rows
    # (10.3% here). One split of 456 rows is a noisy sample: benchmarks/label_noise.py shows the spread.
    assert noise["n_examined"] == 569 - report["split"]["sizes"]["test"]
    examined = np.flatnonzero(np.array([s != "test" for s in _assignment(report, path)]))
    truth = float(np.isin(examined, flipped).mean())
    assert abs(noise["estimated_rate"] - truth) <= 0.03, (noise["estimated_rate"], truth)
    assert noise["ci_low"] <= truth <= noise["ci_high"]
    assert noise["high"] is True
    suspects = noise["suspects"]
    # Row numbers are the file's: the suspects are mostly the rows we flipped, with their given label.
    hits = [s for s in suspects if s["row"] in set(flipped.tolist())]
    assert len(hits) >= 0.7 * len(suspects)
    for s in hits:
        assert s["given"] == frame["diagnosis"][s["row"]] and s["suggested"] != s["given"]
    assert noise["ceiling"]["roc_auc"] < 0.95 and "ε" in noise["ceiling"]["formula"]
    low, high = noise["ceiling"]["roc_auc_range"]  # the cap at the rate interval's ends holds the point cap
    assert low <= noise["ceiling"]["roc_auc"] <= high

    # The dataset criterion says it, with the number, and asks for relabelling.
    dataset = report["readiness"]["criteria"]["dataset"]
    assert any("of the labels look wrong" in f for f in dataset["findings"])
    assert "relabel" in (dataset["recommendation"] or "")
    # The HTML report, the terminal and the CSV show it.
    assert 'id="label-noise"' in render_html(report) and "Label noise" in render_html(report)
    console = Console(record=True, width=120)
    render_report(console, report)
    assert "Label noise" in console.export_text()
    csv_rows = suspects_csv(report).splitlines()
    assert csv_rows[0].startswith("row,split,given_label,suggested_label")
    assert len(csv_rows) == 1 + len(suspects)


def _noise_evidence(rate: float, ci_low: float, auc: float) -> Evidence:
    ceiling = roc_auc_ceiling(rate, 0.5)
    return Evidence(
        n_rows=20_000,
        n_features=25,
        n_classes=2,
        min_class_count=10_000,
        positive_rate=0.5,
        best_baseline="XGBoost",
        baseline_test={"roc_auc": {"value": auc, "ci_low": auc - 0.01, "ci_high": auc + 0.01}},
        test_rows=4_000,
        label_noise={
            "estimated_rate": rate,
            "ci_low": ci_low,
            "ci_high": rate + 0.01,
            "n_suspects": 1_000,
            "ceiling_accuracy": 1 - rate,
            "ceiling_roc_auc": ceiling,
            "high": ci_low > 0.03,
        },
    )


def test_the_verdict_says_when_the_labels_not_the_model_limit_the_result() -> None:
    # 8% wrong labels cap ROC-AUC at 0.92; XGBoost already scores 0.91.
    noisy = _noise_evidence(0.08, 0.07, auc=0.91)
    verdict = decide_verdict(noisy, Answers())
    assert "The labels, not the model, limit the result" in verdict.summary and "8.0%" in verdict.summary
    # The code is what the AUC rules pick without the noise facts.
    assert verdict.code == decide_verdict(replace(noisy, label_noise=None), Answers()).code
    # Far below the ceiling, or with noise that may be none, the labels are not blamed.
    assert "labels, not the model" not in decide_verdict(_noise_evidence(0.08, 0.07, 0.80), Answers()).summary
    assert (
        "labels, not the model" not in decide_verdict(_noise_evidence(0.01, 0.002, 0.99), Answers()).summary
    )


def test_high_noise_is_a_dataset_finding_with_advice_and_low_noise_is_said_as_low() -> None:
    high = score_readiness(Answers(), _noise_evidence(0.12, 0.10, 0.85))["criteria"]["dataset"]
    assert any("12.0%" in f and "look wrong" in f for f in high["findings"])
    assert "relabel the 1,000 rows" in high["recommendation"]
    low = score_readiness(Answers(), _noise_evidence(0.004, 0.0, 0.85))["criteria"]["dataset"]
    assert any("low label noise" in f for f in low["findings"])
    assert "relabel" not in (low["recommendation"] or "")
