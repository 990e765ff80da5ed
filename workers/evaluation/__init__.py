"""Evaluation: metrics with bootstrap confidence intervals, threshold choice, curves, paired tests."""

from workers.evaluation.curves import pr_points, roc_points
from workers.evaluation.delong import delong_roc_test
from workers.evaluation.metrics import evaluate_binary, evaluate_multiclass, validation_metrics
from workers.evaluation.paired import paired_bootstrap_test
from workers.evaluation.threshold import ThresholdChoice, choose_threshold

__all__ = [
    "ThresholdChoice",
    "choose_threshold",
    "delong_roc_test",
    "evaluate_binary",
    "evaluate_multiclass",
    "paired_bootstrap_test",
    "pr_points",
    "roc_points",
    "validation_metrics",
]
