"""The report over HTTP: the OpenAPI document names its fields, and the API serves a stored report unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.database.engine import session_scope
from service.models import Assessment, AssessmentStatus
from tests.service.test_api_harness import API, bearer, make_project, upload

FIXTURES = Path(__file__).parents[1] / "workers" / "fixtures"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema behind a `$ref`, or behind the non-null branch of an optional one."""
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            return document["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
    return schema


def test_the_openapi_schema_of_an_assessment_names_the_reports_fields(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assessment = document["components"]["schemas"]["AssessmentPublic"]
    report = _resolve(document, assessment["properties"]["report"])
    fields = report["properties"]
    assert {
        "dataset",
        "checks",
        "split",
        "readiness",
        "models",
        "comparison",
        "verdict",
        "test_budget",
    } <= set(fields)
    assert {"learning_curves", "history", "timings", "cpu_timings", "elapsed"} <= set(fields)
    verdict = _resolve(document, fields["verdict"])
    assert {"code", "summary"} <= set(verdict["properties"])
    comparison = _resolve(document, fields["comparison"])
    assert {"best_baseline", "deep", "delta_roc_auc", "delong_p_value", "summary"} <= set(
        comparison["properties"]
    )
    model = _resolve(document, fields["models"]["items"])
    assert {"name", "family", "device", "fit_seconds", "status", "error", "test", "threshold"} <= set(
        model["properties"]
    )
    test = _resolve(document, model["properties"]["test"])
    interval = _resolve(document, test["properties"]["roc_auc"])
    # `method` names how the interval was made (Wilson, binormal score, logit bootstrap): issue 10.
    assert set(interval["properties"]) == {"value", "ci_low", "ci_high", "method"}


@pytest.mark.parametrize("name", ["report_stored.json", "report_multiclass.json"])
def test_the_api_serves_the_stored_report_unchanged(client: TestClient, engine: Engine, name: str) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    dataset = upload(client, headers, project["id"]).json()
    started = client.post(
        f"{API}/projects/{project['id']}/assessments", json={"dataset_id": dataset["id"]}, headers=headers
    ).json()
    stored = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        row = session.get(Assessment, started["id"])
        row.status, row.report = AssessmentStatus.succeeded, stored
    served = client.get(f"{API}/assessments/{started['id']}", headers=headers)
    assert served.status_code == 200, served.text
    # Parsed from the response text, so an int that came back as 80.0 would show in the dumps' difference.
    assert json.dumps(served.json()["report"], sort_keys=True) == json.dumps(stored, sort_keys=True)
