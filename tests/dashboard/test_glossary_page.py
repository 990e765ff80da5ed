"""The dashboard's assessment page explains ROC-AUC, PR-AUC and the test budget before its first table."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in

REPORT = Path(__file__).parents[1] / "workers" / "fixtures" / "report_binary.json"


def test_the_assessment_page_explains_its_terms_before_the_models_table(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))

    page = app_client.get(f"/assessments/{assessment_id}").text
    glossary = page.index('class="hint glossary"')
    assert glossary < page.index('id="models-heading"')
    line = page[glossary : page.index("</p>", glossary)]
    for term in (
        "<dfn>ROC-AUC</dfn>: the chance",
        "<dfn>PR-AUC</dfn>: the average precision",
        "<dfn>Test budget</dfn>",
    ):
        assert term in line
