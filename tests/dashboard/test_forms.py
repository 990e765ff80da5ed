"""The forms: a new project with its questionnaire, edited answers that rescore, uploads and their inline
errors, and starting an assessment. A user's mistake is answered beside the field, never with a 500."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.database.engine import session_scope
from service.models import Assessment, Dataset, Project, Split, TestLook
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.service.test_api_harness import API, BREAST_CANCER, ROOT, running_api, stored_files

ANSWERS_FORM = {
    "dataset.labels_available": "yes",
    "dataset.label_source": "existing_records",
    "feasibility.is_x_to_y_mapping": "yes",
    "feasibility.target_value": "0.9",
    "payoff.oracle_impact": "Fewer missed tumours.",
}
ANSWERS_JSON = {
    "dataset": {"labels_available": True, "label_source": "existing_records"},
    "feasibility": {"is_x_to_y_mapping": True, "target_value": 0.9},
    "payoff": {"oracle_impact": "Fewer missed tumours."},
}


@pytest.fixture
def signed_in(app_client: TestClient, engine: Engine) -> tuple[TestClient, str, str]:
    """A signed-in browser, its team's key and its CSRF token."""
    key = new_key(engine, "team-a")
    sign_in(app_client, key)
    return app_client, key, csrf_token(app_client)


def _create_project(client: TestClient, token: str, **fields: str) -> str:
    answer = client.post("/projects/new", data={"csrf_token": token, "name": "breast cancer", **fields})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _rows(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_project_is_scored_exactly_as_the_api_scores_it(signed_in, engine: Engine) -> None:
    client, key, token = signed_in
    page = _create_project(client, token, test_budget="4", **ANSWERS_FORM)
    shown = client.get(page)
    assert shown.status_code == 200
    assert 'id="chart-readiness"' in shown.text and shown.text.count('class="bar') == 5
    assert "Recommendation:" in shown.text and "4 looks per split" in shown.text

    by_api = client.post(
        f"{API}/projects",
        json={"name": "twin", "answers": ANSWERS_JSON},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    with session_scope(engine) as session:
        project = session.get(Project, page.rsplit("/", 1)[1])
        assert (project.answers, project.readiness) == (by_api["answers"], by_api["readiness"])
        assert project.test_budget == 4


def test_bad_answers_and_a_missing_name_are_marked_beside_their_fields(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    answer = client.post(
        "/projects/new",
        data={
            "csrf_token": token,
            "name": "",
            "test_budget": "many",
            "feasibility.target_value": "1.5",
            "dataset.labelling_cost_per_1000": "cheap",
            "dataset.labels_available": "yes",
        },
    )
    assert answer.status_code == 400
    assert re.search(r'id="name"[^>]*aria-invalid="true"', answer.text)
    assert "must be at most 1" in answer.text and "must be a number" in answer.text
    assert "must be a whole number" in answer.text and 'role="alert"' in answer.text
    assert 'value="1.5"' in answer.text and '<option value="yes" selected>' in answer.text  # kept as typed
    assert _rows(engine, Project) == 0


def test_edited_answers_replace_the_old_and_rescore(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    page = _create_project(client, token, **ANSWERS_FORM)
    saved = client.post(f"{page}/answers", data={"csrf_token": token, "dataset.labels_available": "no"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=answers#readiness")
    with session_scope(engine) as session:
        project = session.get(Project, page.rsplit("/", 1)[1])
        assert project.answers["dataset"] == {"labels_available": False}
        assert project.readiness["criteria"]["dataset"]["score"] <= 10  # no labels caps the criterion
    assert "Answers saved" in client.get(saved.headers["location"]).text

    both = client.post(
        f"{page}/answers",
        data={"csrf_token": token, "feasibility.target_precision": "0.9", "feasibility.target_recall": "0.8"},
    )
    assert both.status_code == 400 and "set at most one of target_precision and target_recall" in both.text
    assert '<details class="card" open>' in both.text


def test_an_upload_shows_its_findings_with_leakage_first(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    page = _create_project(client, token)
    answer = client.post(
        f"{page}/datasets/new",
        data={"csrf_token": token, "target": "Clutch Completion", "positive": "No"},
        files={
            "file": ("penguins_raw.csv", (ROOT / "examples" / "penguins_raw.csv").read_bytes(), "text/csv")
        },
    )
    assert answer.status_code == 303 and "saved=dataset" in answer.headers["location"]
    shown = client.get(answer.headers["location"]).text
    leak = shown.index('class="callout tone-bad leakage"')
    assert "Label leakage" in shown[leak : leak + 300] and "<code>Comments</code>" in shown[leak : leak + 300]
    assert leak < shown.index('class="findings"')  # above every other finding
    assert _rows(engine, Dataset) == 1


BAD_UPLOADS = {  # file name, content (None: breast_cancer.csv), target, the field marked, words of the message
    "malformed CSV": (
        "data.csv",
        b'a,b,diagnosis\n1,2,x\n3,4,y,5,6\n"7,8\n',
        "diagnosis",
        "file",
        "could not be parsed",
    ),
    "binary junk": ("data.csv", bytes(range(256)) * 40, "diagnosis", "file", "binary file"),
    "one column": ("data.csv", b"diagnosis\nmalignant\nbenign\n", "diagnosis", "file", "single column"),
    "no such target": ("breast_cancer.csv", None, "diagnosis_typo", "target", "diagnosis"),
    "wrong file type": ("notes.pdf", b"%PDF-1.4", "diagnosis", "file", "unsupported type"),
    "empty file": ("empty.csv", b"", "diagnosis", "file", "is empty"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=list(BAD_UPLOADS))
def test_a_bad_upload_is_answered_beside_its_field_and_leaves_nothing(
    signed_in, engine: Engine, settings: Settings, case: str
) -> None:
    client, _, token = signed_in
    page = _create_project(client, token)
    filename, content, target, field, words = BAD_UPLOADS[case]
    answer = client.post(
        f"{page}/datasets/new",
        data={"csrf_token": token, "target": target},
        files={"file": (filename, BREAST_CANCER.read_bytes() if content is None else content, "text/csv")},
    )
    assert answer.status_code == 400, answer.text
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', answer.text, re.S)
    assert error, answer.text
    assert words.lower() in error.group(1).lower()
    assert f'value="{target}"' in answer.text  # what was typed is kept
    assert _rows(engine, Dataset) == 0
    assert [p for p in stored_files(settings) if p.parent.name != "tmp"] == []


def test_a_file_over_the_upload_limit_is_answered_on_the_form(settings: Settings, engine: Engine) -> None:
    small = settings.model_copy(update={"max_upload_mb": 0.01})  # 10 KiB; breast_cancer.csv is ~120 KB
    with running_api(small) as client:
        client.follow_redirects = False
        sign_in(client, new_key(engine, "team-a"))
        token = csrf_token(client)
        page = _create_project(client, token)
        form = client.get(f"{page}/datasets/new").text
        assert 'data-max-bytes="10485"' in form  # the page's script refuses it before sending
        answer = client.post(
            f"{page}/datasets/new",
            data={"csrf_token": token, "target": "diagnosis"},
            files={"file": ("big.csv", b"a,diagnosis\n" + b"1,x\n" * 5000, "text/csv")},
        )
    assert answer.status_code == 400 and "larger than the limit" in answer.text
    assert _rows(engine, Dataset) == 0


def test_no_file_or_no_target_is_answered_too(signed_in) -> None:
    client, _, token = signed_in
    page = _create_project(client, token)
    answer = client.post(
        f"{page}/datasets/new", data={"csrf_token": token, "target": ""}, files={"x": ("", b"")}
    )
    assert answer.status_code == 400
    assert "Choose a CSV" in answer.text and "Name the label column" in answer.text


def _upload(client: TestClient, page: str, token: str) -> str:
    answer = client.post(
        f"{page}/datasets/new",
        data={"csrf_token": token, "target": "diagnosis", "positive": "malignant"},
        files={"file": ("breast_cancer.csv", BREAST_CANCER.read_bytes(), "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("#dataset-")[1]


def test_the_start_form_checks_its_options_as_the_api_does(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    page = _create_project(client, token)
    dataset_id = _upload(client, page, token)
    form = client.get(f"{page}/assessments/new")
    assert f'<option value="{dataset_id}" selected>' in form.text  # the newest dataset is preselected
    bad = client.post(
        f"{page}/assessments/new",
        data={
            "csrf_token": token,
            "dataset_id": dataset_id,
            "max_epochs": "0",
            "n_resamples": "50",
            "seed": "x",
        },
    )
    assert bad.status_code == 400
    assert "greater than or equal to 1" in bad.text and "greater than or equal to 100" in bad.text
    assert "must be a whole number" in bad.text
    unknown_column = client.post(
        f"{page}/assessments/new",
        data={"csrf_token": token, "dataset_id": dataset_id, "keep_columns": "no_such_column"},
    )
    assert unknown_column.status_code == 400 and "keep_columns names columns" in unknown_column.text
    no_dataset = client.post(f"{page}/assessments/new", data={"csrf_token": token, "dataset_id": "nope"})
    assert no_dataset.status_code == 400 and "Choose one of this project" in no_dataset.text
    assert _rows(engine, Assessment) == 0


def test_a_spent_test_budget_is_explained_on_the_form(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    page = _create_project(client, token, test_budget="1")
    dataset_id = _upload(client, page, token)
    with session_scope(engine) as session:
        split = Split(dataset_id=dataset_id, seed=5, split_hash="h", sizes={}, test_budget=1)
        session.add(split)
        session.flush()
        session.add(TestLook(split_id=split.id, key="k", who="someone", reason="earlier look"))
    answer = client.post(
        f"{page}/assessments/new", data={"csrf_token": token, "dataset_id": dataset_id, "seed": "5"}
    )
    # 409, as the API answers: the budget refuses before anything is queued or trained.
    assert answer.status_code == 409 and "has been looked at 1 of 1 times" in answer.text
    assert _rows(engine, Assessment) == 0


def test_a_started_assessment_can_be_followed_and_cancelled(signed_in, engine: Engine) -> None:
    client, _, token = signed_in
    page = _create_project(client, token)
    dataset_id = _upload(client, page, token)
    started = client.post(
        f"{page}/assessments/new",
        data={
            "csrf_token": token,
            "dataset_id": dataset_id,
            "max_epochs": "3",
            "n_resamples": "200",
            "run_deep": "on",
        },
    )
    assert started.status_code == 303
    url = started.headers["location"]
    with session_scope(engine) as session:
        config = session.get(Assessment, url.rsplit("/", 1)[1]).config
    assert config["deep_params"] == {"max_epochs": 3} and config["n_resamples"] == 200
    assert config["run_deep"] is True and config["learning_curve"] is False  # an unticked box is off
    shown = client.get(url).text  # no worker runs in this test: it stays queued
    assert "data-live-progress" in shown and "Cancel the assessment" in shown and "at most 3 epochs" in shown
    progress = client.get(f"{url}/progress").json()
    assert progress["status"] == "queued" and not progress["finished"]
    assert [s["state"] for s in progress["stages"]] == ["pending"] * len(progress["stages"])

    assert client.post(f"{url}/cancel", data={"csrf_token": token}).status_code == 303
    assert client.get(f"{url}/progress").json()["status"] == "cancelled"
    after = client.get(url).text
    assert "The assessment was cancelled" in after and "data-live-progress" not in after
    assert client.get(f"{url}/report.json").status_code == 404  # no report without a finished run
