"""Learning curves that know their own error (issue 12, item 3): calibrated intervals from the points' standard
errors, "still rising" only when the gain clears a negligible one, rows needed for a target, ill-behaved curves
refused, and the back-test in a real assessment's report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from service.cli.terminal_report import render_report
from tests.workers.test_report_html import assert_well_formed
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.curve_inference import (
    MIN_POINTS_TO_EXTRAPOLATE,
    NEGLIGIBLE_GAIN,
    covariance,
    hanley_mcneil_se,
    infer_curve,
)
from workers.learning_curve import fit_learning_curve
from workers.report.html import render_html
from workers.rubric.questionnaire import Answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIZES = np.array([180.0, 450.0, 900.0, 1800.0])  # 10%, 25%, 50%, 100% of a 1,800-row training split
SE = np.array([0.016, 0.015, 0.015, 0.014])  # Hanley-McNeil on ~1,000 validation rows at AUC ~0.88


def law(n: np.ndarray, a: float, g: float, c: float) -> np.ndarray:
    """auc = a - g * (n / n_max)^(-c): g is the gap to the ceiling at the largest size."""
    return a - g * (n / n[-1]) ** (-c)


def noisy_runs(a: float, g: float, c: float, runs: int, seed: int) -> np.ndarray:
    """Seeded measurements of the law with the points' errors correlated as shared validation rows make them."""
    rng = np.random.default_rng(seed)
    return law(SIZES, a, g, c) + rng.multivariate_normal(np.zeros(SIZES.size), covariance(SE), size=runs)


def test_the_weighted_fit_recovers_a_known_ceiling_within_its_interval() -> None:
    a, g, c = 0.888, 0.03, 0.5
    exact = infer_curve(SIZES, law(SIZES, a, g, c), SE)
    assert exact.ceiling.value == pytest.approx(a, abs=0.01)
    assert exact.ceiling.low <= a <= exact.ceiling.high
    # Over seeded noisy curves the 80% interval holds the true ceiling at least about as often as it says.
    fits = [infer_curve(SIZES, y, SE) for y in noisy_runs(a, g, c, runs=40, seed=1)]
    assert np.mean([f.ceiling.low <= a <= f.ceiling.high for f in fits]) >= 0.7
    true_gain = g * (1 - 2**-c)
    assert np.mean([f.gain.low <= true_gain <= (f.gain.high or 1) for f in fits]) >= 0.7


def test_a_gain_of_0_0018_per_doubling_rarely_reads_still_rising() -> None:
    # The case: the true gain per doubling at the largest size is 0.0018, below NEGLIGIBLE_GAIN.
    c = 0.5
    g = 0.0018 / (1 - 2**-c)
    runs = noisy_runs(0.888, g, c, runs=40, seed=2)
    rising = [infer_curve(SIZES, y, SE).still_rising for y in runs]
    assert np.mean(rising) <= 0.1
    # Without the points' errors the old fit called many of the same curves rising.
    unweighted = [fit_learning_curve(SIZES, np.clip(y, 0, 1), n_bootstrap=0).still_rising for y in runs]
    assert np.mean(unweighted) > 2 * np.mean(rising) + 0.1


def test_a_clearly_rising_curve_still_reads_rising() -> None:
    fit = infer_curve(SIZES, law(SIZES, 0.95, 0.12, 0.4), SE)
    assert fit.still_rising and fit.gain.low > NEGLIGIBLE_GAIN


def test_rows_needed_matches_the_analytic_answer_within_its_interval() -> None:
    a, g, c, target = 0.95, 0.06, 0.5, 0.93
    analytic = SIZES[-1] * (g / (a - target)) ** (1 / c)  # a - g (n/n_max)^-c = target
    fit = infer_curve(SIZES, law(SIZES, a, g, c), SE, target=target)
    rows = fit.rows_needed
    assert rows.reachable is True and rows.metric == "roc_auc" and rows.target == target
    assert rows.value == pytest.approx(analytic, rel=0.05)
    assert rows.ci_low <= analytic and (rows.ci_high is None or analytic <= rows.ci_high)
    assert rows.ci_low < rows.value  # an interval, not a point


def test_a_target_above_the_ceiling_is_not_reachable_by_this_family() -> None:
    fit = infer_curve(SIZES, law(SIZES, 0.80, 0.05, 1.0), [0.006] * 4, target=0.95)
    rows = fit.rows_needed
    assert rows.value is None and rows.reachable is False
    assert rows.reason.startswith("not reachable by this model family")


def test_another_target_metric_gets_no_rows_needed_and_says_why() -> None:
    rows = infer_curve(SIZES, law(SIZES, 0.95, 0.06, 0.5), SE, target=0.8, metric="precision").rows_needed
    assert rows.value is None and "measure validation ROC-AUC" in rows.reason


@pytest.mark.parametrize(
    ("aucs", "problem"),
    [
        ([0.80, 0.86, 0.74, 0.87], "not monotone"),  # a drop of 0.12 against SEs of 0.015
        ([0.70, 0.705, 0.71, 0.86], "a jump"),  # flat, then +0.15 in one doubling
    ],
)
def test_ill_behaved_curves_are_flagged_and_not_extrapolated(aucs: list[float], problem: str) -> None:
    fit = infer_curve(SIZES, aucs, SE, target=0.9)
    assert not fit.quality.ok
    assert any(p.startswith(problem) for p in fit.quality.problems)
    assert fit.rows_needed.value is None and "ill-behaved" in (fit.rows_needed.reason or "")
    assert not fit.still_rising


def test_too_few_points_are_flagged_and_get_no_back_test() -> None:
    fit = infer_curve(SIZES[1:], law(SIZES, 0.95, 0.06, 0.5)[1:], SE[1:], target=0.93)
    assert not fit.quality.ok
    assert f"extrapolating needs at least {MIN_POINTS_TO_EXTRAPOLATE}" in fit.quality.problems[0]
    assert fit.rows_needed.value is None and fit.backtest is None


def test_the_back_test_predicts_the_largest_point_from_the_smaller() -> None:
    y = law(SIZES, 0.95, 0.06, 0.5)
    backtest = infer_curve(SIZES, y, SE).backtest
    assert backtest is not None
    assert backtest.fitted_on == SIZES[:-1].tolist() and backtest.predicted_at == [SIZES[-1]]
    assert backtest.predicted[0] == pytest.approx(y[-1], abs=0.005)
    assert backtest.error[0] == pytest.approx(backtest.predicted[0] - y[-1])


def test_hanley_mcneil_matches_the_published_example() -> None:
    # Hanley & McNeil (1982), eq. 2 by hand: AUC 0.9 on 50 and 50 rows, Q1 = 0.818, Q2 = 0.853, SE 0.0321.
    assert hanley_mcneil_se(0.9, 50, 50) == pytest.approx(0.0321, abs=0.0002)


def test_a_real_assessment_reports_rows_needed_and_the_back_test_everywhere() -> None:
    answers = Answers.model_validate({"feasibility": {"target_value": 0.999}})
    report = assess_file(
        EXAMPLES / "breast_cancer.csv",
        AssessmentConfig(
            target="diagnosis", positive="malignant", device="cpu", run_deep=False, n_resamples=200
        ),
        InMemoryStore(),
        answers=answers,
    )
    model = report["learning_curves"]["models"][0]
    assert [p["se"] > 0 for p in model["points"]] == [True] * 4
    backtest = model["backtest"]
    assert backtest["predicted_at"] == [model["points"][-1]["n_train"]]
    assert backtest["observed"] == [pytest.approx(model["points"][-1]["val_roc_auc"])]
    assert backtest["error"] == [pytest.approx(backtest["predicted"][0] - backtest["observed"][0])]
    rows = model["rows_needed"]
    assert rows["target"] == 0.999 and rows["metric"] == "roc_auc"
    assert rows["value"] is not None or rows["reason"]
    assert set(model["quality"]) == {"ok", "problems"}
    assert report["learning_curves"]["evidence"]["rows_needed"]["best_baseline"] == rows

    page = assert_well_formed(render_html(report))
    assert page.find("table", id="learning-forecast")
    assert f"measured {backtest['observed'][0]:.3f}" in page.text
    console = Console(width=200, record=True)
    render_report(console, report)
    text = console.export_text()
    assert "what the weighted fits say" in text and f"measured {backtest['observed'][0]:.3f}" in text


def test_the_dataset_criterion_says_how_many_rows_the_target_needs() -> None:
    from tests.dashboard.test_curve_forecast_page import curves_report
    from workers.rubric.evidence import Evidence
    from workers.rubric.scoring import format_target, score_readiness

    curves = curves_report()["learning_curves"]
    rows = curves["evidence"]["rows_needed"]["best_baseline"]
    evidence = Evidence(
        n_rows=10_000,
        n_features=8,
        n_classes=2,
        min_class_count=3_000,
        best_baseline="XGBoost",
        learning_curve=curves["evidence"],
    )
    answers = Answers.model_validate({"feasibility": {"target_value": 0.9}})
    findings = score_readiness(answers, evidence)["criteria"]["dataset"]["findings"]
    expected = f"Reaching {format_target(0.9)} ROC-AUC with XGBoost needs about {rows['value']:,.0f} [{rows['ci_low']:,.0f}, "
    assert any(f.startswith(expected) and f.endswith("the training split has 6,000.") for f in findings), (
        findings
    )
    assert any(
        f.startswith("The rows 0.90 ROC-AUC needs cannot be read off the deep model's") for f in findings
    )
