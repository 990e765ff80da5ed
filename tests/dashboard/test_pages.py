"""What the pages show: an assessment's results as the report has them, its progress while it runs, the
projects list's filter, sort and pages, and a page (never JSON) for an unknown address."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.database.engine import session_scope
from service.models import AssessmentStatus, Project, Team
from service.settings import Settings
from tests.dashboard.browsing import add_assessment, new_key, project_with_assessment, sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "workers" / "fixtures"
CI = re.compile(r"^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$")  # "0.912 [0.897, 0.925]"


def _report(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_a_finished_assessment_shows_table_verdict_charts_and_downloads(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = _report("report_binary.json")
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/assessments/{assessment_id}")
    assert page.status_code == 200
    html = page.text
    assert report["verdict"]["summary"].replace("'", "&#39;") in html
    cells = re.findall(r'<td class="num ci" data-metric="roc_auc">([^<]*)</td>', html)
    assert len(cells) == len(report["models"]) == 4 and all(CI.match(c) for c in cells), cells
    roc = html[html.index('<svg id="chart-roc"') : html.index("</svg>", html.index('<svg id="chart-roc"'))]
    assert set(re.findall(r'class="series" data-series="([^"]+)"', roc)) == {
        m["name"] for m in report["models"]
    }
    for chart in (
        "chart-pr",
        "chart-lr-range",
        "chart-loss",
        "chart-gradients",
        "chart-readiness",
        "chart-learning-curves",
    ):
        assert f'<svg id="{chart}"' in html, chart
    assert "data-live-progress" not in html

    download = app_client.get(f"/assessments/{assessment_id}/report.json")
    assert download.json() == report
    assert download.headers["content-disposition"].startswith('attachment; filename="readiness-')
    as_html = app_client.get(f"/assessments/{assessment_id}/report.html")
    assert as_html.status_code == 200 and "Content-Security-Policy" in as_html.text


def test_a_multiclass_report_without_curves_still_renders(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = _report("report_multiclass.json")
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/assessments/{assessment_id}")
    assert page.status_code == 200 and report["verdict"]["summary"][:40].replace("'", "&#39;") in page.text


def test_a_running_assessment_reports_its_stage_and_latest_epoch(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    detail = {"epoch": 7, "train_loss": 0.0848, "val_loss": 0.464, "val_roc_auc": 0.991}
    project_id, assessment_id = project_with_assessment(
        engine, settings, "team-a", status="running", stage="deep_model", progress=0.5, progress_detail=detail
    )
    sign_in(app_client, new_key(engine, "team-a"))
    state = app_client.get(f"/assessments/{assessment_id}/progress").json()
    assert state["status"] == "running" and not state["finished"]
    assert state["epoch"] == detail and state["text"].startswith("Epoch 7: training loss 0.0848")
    states = {s["key"]: s["state"] for s in state["stages"]}
    assert (
        states["baselines"] == "done" and states["deep_model"] == "active" and states["report"] == "pending"
    )
    page = app_client.get(f"/assessments/{assessment_id}").text
    assert "data-live-progress" in page and "&#34;epoch&#34;: 7" in page  # the chart starts from this epoch

    failed = {
        "status": AssessmentStatus.failed,
        "error_code": "overfit_check_failed",
        "error_detail": "Cannot fit.",
    }
    failed_id = add_assessment(engine, project_id, **failed)
    shown = app_client.get(f"/assessments/{failed_id}").text
    assert "The assessment failed" in shown and "Cannot fit." in shown and "data-live-progress" not in shown


def test_an_unknown_page_is_a_page_and_the_api_stays_json(app_client: TestClient, engine: Engine) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    answer = app_client.get("/no/such/page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "There is no such page" in answer.text
    assert app_client.get("/api/v1/no/such").json()["code"] == "not_found"
    headers = app_client.get("/projects").headers
    assert (
        "script-src 'self'" in headers["content-security-policy"] and headers["cache-control"] == "no-store"
    )


def _projects(engine: Engine, team: str, count: int) -> None:
    """`count` projects with overall scores 0, 3, 6, … and names "project 000" …, oldest first."""
    with session_scope(engine) as session:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
        for i in range(count):
            level = "ready" if i % 3 == 0 else "not_ready"
            readiness = {"overall": 3 * i, "verdict": level}
            session.add(Project(team_id=team_id, name=f"project {i:03d}", readiness=readiness, test_budget=3))
            session.flush()


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/projects/[0-9a-f-]{36}">(project \d{3})</a>', html)


def test_the_projects_list_filters_sorts_and_pages_on_the_server(
    app_client: TestClient, engine: Engine
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    _projects(engine, "team-a", 30)
    first = app_client.get("/projects?sort=name")
    assert _names(first.text) == [f"project {i:03d}" for i in range(25)]
    assert "Rows 1–25 of 30" in first.text
    second = app_client.get(
        re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    )
    assert _names(second.text) == [f"project {i:03d}" for i in range(25, 30)]

    assert _names(app_client.get("/projects?sort=readiness").text)[:2] == ["project 029", "project 028"]
    assert _names(app_client.get("/projects?q=project+01").text) == [
        f"project {i:03d}" for i in range(19, 9, -1)
    ]
    ready = _names(app_client.get("/projects?level=ready&sort=name").text)
    assert ready == [f"project {i:03d}" for i in range(0, 30, 3)]
    assert (
        "No project matches" in app_client.get("/projects?q=%25_nothing").text
    )  # LIKE wildcards are literal
    assert app_client.get("/projects?page=abc&sort=bogus&level=bogus").status_code == 200


@pytest.mark.parametrize("page", ["0", "-3", "99999999999999999999"])
def test_out_of_range_pages_land_on_a_real_page(app_client: TestClient, engine: Engine, page: str) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    _projects(engine, "team-a", 3)
    assert len(_names(app_client.get(f"/projects?page={page}").text)) == 3
