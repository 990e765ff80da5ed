"""The label suspects download: the API route and the dashboard's link give the rows confident learning
flags, team-checked like every assessment route; the assessment page shows the label-noise section."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import add_assessment, new_key, project_with_assessment, sign_in
from tests.service.test_api_harness import API, assert_error, bearer
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore

BREAST_CANCER = Path(__file__).resolve().parents[2] / "examples" / "breast_cancer.csv"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    """A real assessment's report of breast cancer (its own labels: a handful of suspects)."""
    config = AssessmentConfig(target="diagnosis", run_deep=False, learning_curve=False, n_resamples=200)
    return assess_file(BREAST_CANCER, config, InMemoryStore())


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_api_serves_the_suspects_as_csv_to_the_team_only(
    app_client: TestClient, engine: Engine, settings: Settings, report: dict[str, Any]
) -> None:
    suspects = report["label_noise"]["suspects"]
    assert suspects, "breast cancer's own labels give a few suspects"
    project_id, assessment_id = project_with_assessment(
        engine, settings, "team-a", status="succeeded", report=report
    )
    mine = bearer(engine, "team-a")
    answer = app_client.get(f"{API}/assessments/{assessment_id}/label-suspects.csv", headers=mine)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = _rows(answer.text)
    assert [int(r["row"]) for r in rows] == [s["row"] for s in suspects]
    assert {r["given_label"] for r in rows} <= {"benign", "malignant"}

    other = bearer(engine, "team-b")
    assert_error(
        app_client.get(f"{API}/assessments/{assessment_id}/label-suspects.csv", headers=other),
        404,
        "not_found",
    )
    unknown = uuid.uuid4()
    assert_error(
        app_client.get(f"{API}/assessments/{unknown}/label-suspects.csv", headers=mine), 404, "not_found"
    )
    queued = add_assessment(engine, project_id, status="queued")
    body = assert_error(
        app_client.get(f"{API}/assessments/{queued}/label-suspects.csv", headers=mine),
        404,
        "no_label_suspects",
    )
    assert "no report yet" in body["detail"]


def test_the_assessment_page_shows_label_noise_with_a_download_link(
    app_client: TestClient, engine: Engine, settings: Settings, report: dict[str, Any]
) -> None:
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/assessments/{assessment_id}").text
    assert 'id="label-noise"' in page and "Estimated share of wrong labels" in page
    link = f"/assessments/{assessment_id}/label-suspects.csv"
    assert f'href="{link}"' in page
    download = app_client.get(link)
    assert download.status_code == 200 and len(_rows(download.text)) == len(report["label_noise"]["suspects"])

    other = TestClient(app_client.app)
    other.follow_redirects = False
    sign_in(other, new_key(engine, "team-b"))
    assert other.get(link).status_code == 404
