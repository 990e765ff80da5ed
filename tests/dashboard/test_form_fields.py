"""A refused form's message lands beside the field it is about because the error names that field (its
`field`, set where it was raised), not because its words happen to start with the field's name; the API
answers the same field in its JSON."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.database.engine import session_scope
from service.models import Project
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.service.test_api_harness import API, BREAST_CANCER


@pytest.fixture
def browser(app_client: TestClient, engine: Engine) -> tuple[TestClient, str, str]:
    """A signed-in browser, its team's key and its CSRF token."""
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    return app_client, key, csrf_token(app_client)


def _field_error(html: str, element_id: str) -> str:
    """The message shown under the field whose error element has this id ("" when there is none)."""
    found = re.search(rf'<p class="field-error" id="{element_id}-error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_text_the_database_cannot_hold_is_marked_on_the_answer_that_holds_it(
    browser: tuple[TestClient, str, str], engine: Engine
) -> None:
    client, _, token = browser
    answer = client.post(
        "/projects/new",
        data={
            "csrf_token": token,
            "name": "breast cancer",
            "dataset.labels_available": "yes",
            "payoff.oracle_impact": "Fewer missed\x00 tumours.",
        },
    )
    assert answer.status_code == 400, answer.text
    # The message ("Invalid answers in the questionnaire: the text must not contain …") has no
    # "- payoff.oracle_impact: …" line for the old text-matching rule to find; the error names the field.
    assert "must not contain the NUL character" in _field_error(answer.text, "payoff-oracle-impact")
    assert re.search(r'<textarea[^>]*name="payoff.oracle_impact"[^>]*aria-invalid="true"', answer.text)
    assert _field_error(answer.text, "dataset-labels-available") == ""
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_an_option_the_dataset_cannot_satisfy_lands_beside_its_field_on_the_form_and_in_the_api(
    browser: tuple[TestClient, str, str],
) -> None:
    client, key, token = browser
    created = client.post("/projects/new", data={"csrf_token": token, "name": "breast cancer"})
    page = created.headers["location"]
    uploaded = client.post(
        f"{page}/datasets/new",
        data={"csrf_token": token, "target": "diagnosis", "positive": "malignant"},
        files={"file": ("breast_cancer.csv", BREAST_CANCER.read_bytes(), "text/csv")},
    )
    dataset_id = uploaded.headers["location"].split("#dataset-")[1]
    form = client.post(
        f"{page}/assessments/new",
        data={"csrf_token": token, "dataset_id": dataset_id, "keep_columns": "no_such_column", "seed": "3"},
    )
    assert form.status_code == 400
    assert "no_such_column" in _field_error(form.text, "keep-columns")
    assert _field_error(form.text, "seed") == ""
    api = client.post(
        f"{API}/projects/{page.rsplit('/', 1)[1]}/assessments",
        json={"dataset_id": dataset_id, "keep_columns": ["no_such_column"]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert api.status_code == 422
    assert api.json()["field"] == "keep_columns" and api.json()["code"] == "invalid_option"


def test_the_api_names_the_upload_field_an_error_belongs_to(
    browser: tuple[TestClient, str, str],
) -> None:
    client, key, _ = browser
    headers = {"Authorization": f"Bearer {key}"}
    project = client.post(f"{API}/projects", json={"name": "p"}, headers=headers).json()
    answer = client.post(
        f"{API}/projects/{project['id']}/datasets",
        data={"target": "no_such_label"},
        files={"file": ("breast_cancer.csv", BREAST_CANCER.read_bytes(), "text/csv")},
        headers=headers,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "unknown_target" and answer.json()["field"] == "target"
    wrong_type = client.post(
        f"{API}/projects/{project['id']}/datasets",
        data={"target": "diagnosis"},
        files={"file": ("notes.docx", b"a,b\n1,2\n", "application/octet-stream")},
        headers=headers,
    )
    assert 400 <= wrong_type.status_code < 500 and wrong_type.json()["field"] == "file", wrong_type.text
