"""The dashboard's start form takes the split options as the API does, and refuses on the field what it cannot
follow (issue 12, item 4)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.database.engine import session_scope
from service.models import Assessment
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.dashboard.test_forms import _create_project, _rows
from tests.workers.test_time_group_split import dated_frame


def _upload_dated(client: TestClient, page: str, token: str) -> str:
    frame = dated_frame(300)
    answer = client.post(
        f"{page}/datasets/new",
        data={"csrf_token": token, "target": "churned", "positive": "yes"},
        files={"file": ("signups.csv", frame.to_csv(index=False).encode(), "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("#dataset-")[1]


def test_the_start_form_takes_a_group_column_and_refuses_an_unknown_one(
    app_client: TestClient, engine: Engine
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    token = csrf_token(app_client)
    page = _create_project(app_client, token)
    dataset_id = _upload_dated(app_client, page, token)
    form = app_client.get(f"{page}/assessments/new").text
    assert 'name="group_column"' in form and 'name="time_column"' in form and '<option value="time"' in form

    unknown = app_client.post(
        f"{page}/assessments/new",
        data={"csrf_token": token, "dataset_id": dataset_id, "group_column": "custmer"},
    )
    assert unknown.status_code == 400 and "Did you mean &#39;customer&#39;" in unknown.text
    assert 'value="custmer"' in unknown.text  # the form keeps what was typed
    assert _rows(engine, Assessment) == 0

    started = app_client.post(
        f"{page}/assessments/new",
        data={"csrf_token": token, "dataset_id": dataset_id, "split": "group", "group_column": "customer"},
    )
    assert started.status_code == 303, started.text
    with session_scope(engine) as session:
        row = session.get(Assessment, started.headers["location"].rsplit("/", 1)[1])
        assert row is not None and row.config is not None
        config = row.config
    assert (config["split"], config["group_column"], config["time_column"]) == ("group", "customer", None)
