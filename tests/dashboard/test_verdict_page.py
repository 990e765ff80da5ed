"""The dashboard's assessment page shows the new verdicts (no signal) and the ΔAUC interval the verdict read,
and the project's list of assessments words the code."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from tests.workers.test_verdict_readers import no_signal_report


def test_a_no_signal_assessment_says_so_with_the_delta_interval(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    project_id, assessment_id = project_with_assessment(
        engine, settings, "team-a", status="succeeded", report=no_signal_report()
    )
    sign_in(app_client, new_key(engine, "team-a"))

    page = app_client.get(f"/assessments/{assessment_id}").text
    assert "Verdict: No usable signal" in page
    assert 'data-verdict-code="no_signal"' in page
    assert "calling every row positive" in page
    assert "95% interval [−0.031, +0.023]; the gain that matters: 0.01" in page

    listing = app_client.get(f"/projects/{project_id}").text
    assert "No usable signal" in listing
