"""Questionnaire v2 on the dashboard: the dataset's kind and size are asked with a sentence explaining each
term, "90%" is read as 0.9, the findings on the project page quote the new answers, and a project whose
answers were stored before v2 still shows, scores and saves."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.database.engine import session_scope
from service.models import Project
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.service.test_api_harness import API

V2_FORM = {
    "dataset.labels_available": "yes",
    "dataset.data_kind": "images",
    "dataset.labelled_examples": "2,000,000",
    "dataset.rarest_class_examples": "40000",
    "dataset.new_labels_per_month": "10000",
    "feasibility.target_value": "90%",
    "feasibility.human_level": "95 %",
}
# Answers as a project stored them before v2: no data kind or size.
PRE_V2_ANSWERS = {
    "dataset": {
        "labels_available": True,
        "label_source": "manual_expert",
        "labelling_cost_per_1000": 200.0,
        "more_labels_obtainable": "some",
        "data_changes_over_time": False,
    },
    "feasibility": {"is_x_to_y_mapping": True, "target_metric": "roc_auc", "target_value": 0.95},
}


@pytest.fixture
def signed_in(app_client: TestClient, engine: Engine) -> tuple[TestClient, str, str]:
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    return app_client, key, csrf_token(app_client)


def _field_error(html: str, element_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{element_id}-error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_the_form_explains_each_term_where_it_is_asked(signed_in) -> None:
    client, _, _ = signed_in
    page = client.get("/projects/new").text

    assert re.search(
        r'<select id="q-dataset-data-kind"[^>]*aria-describedby="q-dataset-data-kind-help"', page
    )
    assert '<option value="time_series">time series</option>' in page
    help_text = re.search(r'id="q-dataset-labelled-examples-help">(.*?)</div>', page, re.S)
    assert help_text and "thousands to millions" in help_text.group(1)
    metric_help = re.search(r'id="q-feasibility-target-metric-help">(.*?)</div>', page, re.S)
    assert metric_help
    for term in (
        "ROC-AUC: the chance that the model ranks",
        "PR-AUC: the average precision",
        "Recall: of the",
    ):
        assert term in metric_help.group(1)


def test_new_answers_and_percentages_are_stored_scored_and_quoted(signed_in, engine: Engine) -> None:
    client, key, token = signed_in
    created = client.post("/projects/new", data={"csrf_token": token, "name": "defects", **V2_FORM})
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"]).text

    with session_scope(engine) as session:
        project = session.get(Project, created.headers["location"].rsplit("/", 1)[1])
        assert project is not None and project.answers is not None
        assert project.answers["dataset"]["labelled_examples"] == 2_000_000
        assert project.answers["feasibility"] == {
            "target_metric": "roc_auc",
            "target_value": 0.9,
            "human_level": 0.95,
        }
    assert (
        "You expect 2,000,000 labelled images, 40,000 in the rarest class — large enough for deep learning."
        in page
    )
    assert 'value="2000000"' in page and 'value="0.9"' in page  # the form shows what is stored

    by_api = client.get(f"{API}/projects/{project.id}", headers={"Authorization": f"Bearer {key}"}).json()
    assert by_api["answers"]["dataset"]["data_kind"] == "images"


def test_a_share_out_of_range_is_marked_beside_its_field_and_nothing_is_saved(
    signed_in, engine: Engine
) -> None:
    client, _, token = signed_in
    refused = client.post(
        "/projects/new",
        data={
            "csrf_token": token,
            "name": "defects",
            "feasibility.target_value": "150%",
            "dataset.labelled_examples": "2.5",
        },
    )

    assert refused.status_code == 400
    assert "must be at most 1" in _field_error(refused.text, "feasibility-target-value")
    assert "write 0.9 or 90%" in _field_error(refused.text, "feasibility-target-value")
    assert "must be a whole number" in _field_error(refused.text, "dataset-labelled-examples")
    assert 'value="150%"' in refused.text  # kept as typed
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_answers_stored_before_v2_still_show_score_and_save(signed_in, engine: Engine) -> None:
    client, key, token = signed_in
    created = client.post("/projects/new", data={"csrf_token": token, "name": "old project"})
    project_id = created.headers["location"].rsplit("/", 1)[1]
    with session_scope(engine) as session:
        project = session.get(Project, project_id)
        assert project is not None
        project.answers, project.readiness = PRE_V2_ANSWERS, None  # as an older version left it

    page = client.get(f"/projects/{project_id}")
    assert page.status_code == 200
    assert '<option value="manual_expert" selected>' in page.text and 'value="200"' in page.text

    auth = {"Authorization": f"Bearer {key}"}
    scored = client.post(f"{API}/score", json={"answers": PRE_V2_ANSWERS}, headers=auth)
    assert scored.status_code == 200
    dataset = scored.json()["readiness"]["criteria"]["dataset"]
    assert dataset["score"] == 78  # (100 + 45 + 75 + 70 + 100) / 5: scored as before v2
    assert "labelled_examples" in dataset["unanswered"]

    form = {"csrf_token": token, "dataset.labels_available": "yes", "dataset.label_source": "manual_expert"}
    saved = client.post(f"/projects/{project_id}/answers", data=form)
    assert saved.status_code == 303
    assert "Answers saved" in client.get(saved.headers["location"]).text
