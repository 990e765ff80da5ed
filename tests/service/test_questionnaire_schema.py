"""Questionnaire v2 over HTTP: the OpenAPI document shows the questionnaire (the new dataset questions, their
allowed values and one-sentence explanations, a share as 0.9 or "90%"), and the API takes a percentage
where a share is asked and refuses one out of range naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.service.test_api_harness import API, bearer, make_project


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            return document["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
    return schema


def test_the_openapi_document_describes_the_questionnaire(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for body in ("ProjectCreate", "ProjectUpdate", "ScoreRequest"):
        answers = _resolve(document, document["components"]["schemas"][body]["properties"]["answers"])
        dataset = _resolve(document, answers["properties"]["dataset"])
        assert "data_kind" in dataset["properties"], body

    questions = dataset["properties"]
    kinds = questions["data_kind"]["anyOf"][0]["enum"]
    assert kinds == ["table", "images", "text", "audio", "time_series", "other"]
    assert "thousands to millions" in questions["labelled_examples"]["description"]
    assert questions["labelled_examples"]["anyOf"][0]["type"] == "integer"
    assert "new_labels_per_month" in questions and "rarest_class_examples" in questions

    feasibility = _resolve(document, answers["properties"]["feasibility"])
    share = feasibility["properties"]["target_value"]["anyOf"]  # pydantic flattens the optional anyOf
    assert {"type": "number", "minimum": 0.0, "maximum": 1.0} in share
    assert any(option.get("type") == "string" and "%" in option["pattern"] for option in share)
    assert "ROC-AUC" in feasibility["properties"]["target_metric"]["description"]


def test_the_api_reads_a_percentage_and_names_a_share_out_of_range(
    client: TestClient, engine: Engine
) -> None:
    headers = bearer(engine, "team-a")
    answers = {
        "dataset": {"labels_available": True, "data_kind": "text", "labelled_examples": 50_000},
        "feasibility": {"target_value": "90%", "target_recall": "85 %"},
    }
    project = make_project(client, headers, answers=answers)

    assert project["answers"]["feasibility"] == {
        "target_metric": "roc_auc",
        "target_value": 0.9,
        "target_recall": 0.85,
    }
    findings = project["readiness"]["criteria"]["dataset"]["findings"]
    assert "You expect 50,000 labelled texts — large enough for deep learning." in findings

    refused = client.post(
        f"{API}/score", json={"answers": {"feasibility": {"human_level": "120%"}}}, headers=headers
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "invalid_answers"
    assert "feasibility.human_level: must be at most 1" in body["detail"] and "90%" in body["detail"]
