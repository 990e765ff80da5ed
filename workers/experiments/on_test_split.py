"""One experiment's frozen model on the test split: metrics with confidence intervals, for the one
budgeted look that a grid's best point (or a single experiment) may be promoted to."""

from __future__ import annotations

from typing import Any

from workers.baselines import FittedModel
from workers.evaluation import evaluate_binary, evaluate_multiclass
from workers.evaluation.metrics import DEFAULT_N_RESAMPLES
from workers.experiments.data import ExperimentData
from workers.features import model_frame
from workers.split import TEST


def evaluate_on_test(
    data: ExperimentData,
    model: FittedModel,
    *,
    threshold: float | None,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Test metrics of `model` on `data`'s test split. The threshold for precision/recall/F1 is the one
    chosen on validation when the experiment ran: choosing it on test would be a second look."""
    rows = data.split.indices(TEST)
    frame = model_frame(data.dataset, data.used_columns).iloc[rows]
    y_test = data.dataset.y[rows]
    proba = model.predict_proba(frame)
    if proba.shape[1] == 2:
        return evaluate_binary(
            y_test, proba[:, 1], 0.5 if threshold is None else threshold, n_resamples=n_resamples, seed=seed
        )
    return evaluate_multiclass(
        y_test, proba, n_resamples=n_resamples, seed=seed, class_names=data.dataset.classes
    )
