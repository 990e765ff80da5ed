"""The dashboard's experiment page links to the model bundle (issue 14 item 5), and the link answers the
zip to the team that owns it and the error page to another team."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.assessments.runtime import run_worker_in_thread
from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from tests.service.test_api_harness import API, make_project, upload

REPORT = Path(__file__).resolve().parents[1] / "workers" / "fixtures" / "report_binary.json"


def test_experiment_page_offers_the_model_and_only_to_its_team(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    key = new_key(engine, "team-a")
    headers = {"Authorization": f"Bearer {key}"}
    project = make_project(app_client, headers)
    dataset_id = upload(app_client, headers, project["id"]).json()["id"]
    experiment = app_client.post(
        f"{API}/experiments",
        json={"dataset_id": dataset_id, "model_family": "random_forest"},
        headers=headers,
    ).json()
    worker = run_worker_in_thread(settings)
    try:
        deadline = time.monotonic() + 120
        while (
            app_client.get(f"{API}/experiments/{experiment['id']}", headers=headers).json()["status"]
            != "succeeded"
        ):
            assert time.monotonic() < deadline, "the experiment did not finish"
            time.sleep(0.3)
    finally:
        worker.stop()

    sign_in(app_client, key)
    page = app_client.get(f"/journal/{experiment['id']}")
    assert page.status_code == 200 and f'href="/journal/{experiment["id"]}/model.zip"' in page.text
    download = app_client.get(f"/journal/{experiment['id']}/model.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert any(n.endswith("/model.skops") for n in names) and any(n.endswith("/model_card.md") for n in names)

    app_client.cookies.clear()
    sign_in(app_client, new_key(engine, "team-b"))
    assert app_client.get(f"/journal/{experiment['id']}/model.zip").status_code == 404


def test_assessment_page_offers_each_fitted_model_and_a_missing_one_is_409(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    """A succeeded assessment whose stage outputs are gone (no job ran behind this row): the page still
    links each fitted model of its report, and the link says there is no fitted model, not a crash."""
    report = json.loads(REPORT.read_text())
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/assessments/{assessment_id}").text
    shipped = [m["name"] for m in report["models"] if m.get("status") == "ok"]
    for name in shipped:
        assert f'href="/assessments/{assessment_id}/models/{quote(name)}.zip"' in page
    assert app_client.get(f"/assessments/{assessment_id}/models/{quote(shipped[0])}.zip").status_code == 409
