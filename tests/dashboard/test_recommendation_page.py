"""The dashboard's assessment page shows the report's one "what to do next" list, naming the model to ship."""

from __future__ import annotations

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from tests.workers.test_advice_readme_datasets import breast_cancer_report


def test_the_assessment_page_lists_the_next_steps_under_the_model_to_ship(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = breast_cancer_report()
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))

    page = app_client.get(f"/assessments/{assessment_id}").text
    assert "What to do next: ship XGBoost" in page
    for number, step in enumerate(report["recommendation"]["next_steps"], start=1):
        assert f'<li value="{number}">{escape(step)}</li>' in page
