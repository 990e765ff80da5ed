"""The dashboard's assessment page shows what the weighted learning-curve fits say (issue 12): the rows the
target needs with their interval, the back-test, and why an ill-behaved curve is not extrapolated."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from workers.assessment.curve_summary import CurvePoint, ModelCurve, summarise_curves
from workers.curve_inference import hanley_mcneil_se

SIZES = (600, 1_500, 3_000, 6_000)


def curve(name: str, family: str, role: Any, aucs: list[float]) -> ModelCurve:
    points = [
        CurvePoint(n / 6_000, n, auc, "learning_curve", se=hanley_mcneil_se(auc, 600, 1_400))
        for n, auc in zip(SIZES, aucs, strict=True)
    ]
    return ModelCurve(name, family, role, points)


def curves_report() -> dict[str, Any]:
    summary = summarise_curves(
        curve("XGBoost", "xgboost", "best_baseline", [0.800, 0.845, 0.868, 0.884]),
        curve("ResNet MLP", "deep", "deep", [0.700, 0.705, 0.710, 0.860]),  # flat, then a jump
        seed=0,
        target=0.9,
        target_metric="roc_auc",
    )
    return {"learning_curves": summary.section()}


def test_the_assessment_page_shows_rows_needed_the_back_test_and_an_ill_behaved_curve(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = curves_report()
    baseline, deep = report["learning_curves"]["models"]
    assert deep["quality"]["ok"] is False and deep["rows_needed"]["value"] is None
    rows = baseline["rows_needed"]
    assert rows["value"] is not None and rows["target"] == 0.9
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))

    page = app_client.get(f"/assessments/{assessment_id}").text
    assert 'id="learning-forecast"' in page
    assert f"{rows['value']:,.0f} [{rows['ci_low']:,.0f}," in page and "rows for 0.900" in page
    assert f"measured {baseline['backtest']['observed'][0]:.3f}" in page
    assert (
        "ResNet MLP: the curve is not extrapolated." in page and "a jump between 3,000 and 6,000 rows" in page
    )
