"""A project with 10,000 assessments: its pages show a page of them at a time, and every page link works.
(How fast they render is measured by benchmarks/bench_dashboard.py, not asserted here.)"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import insert_assessments, new_key, project_with_assessment, sign_in

ASSESSMENTS = 10_000


@pytest.fixture
def big_project(app_client: TestClient, engine: Engine, settings: Settings) -> str:
    # The newest of all, seed 0; the bulk rows behind it are seeds 1 … 9,999, newest first.
    project_id, _ = project_with_assessment(engine, settings, "team-a", status="queued", config={"seed": 0})
    insert_assessments(engine, project_id, ASSESSMENTS - 1)
    sign_in(app_client, new_key(engine, "team-a"))
    return project_id


def _seeds(html: str) -> list[int]:
    """The seed column of the assessments table: the bulk rows' seeds number them from the newest."""
    table = html[html.index('<table class="data assessments-table">') : html.index("</table>")]
    return [int(s) for s in re.findall(r'<td class="num">(\d+)</td>', table)]


def _link(html: str, rel: str) -> str:
    return re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1).replace("&amp;", "&")


def test_the_project_page_shows_the_newest_ten_and_links_to_all(
    app_client: TestClient, big_project: str
) -> None:
    page = app_client.get(f"/projects/{big_project}")
    assert page.status_code == 200
    assert len(_seeds(page.text)) == 10
    assert f'<a href="/projects/{big_project}/assessments">All 10,000 assessments</a>' in page.text


def test_the_assessments_page_pages_through_all_10000(app_client: TestClient, big_project: str) -> None:
    url = f"/projects/{big_project}/assessments"
    first = app_client.get(url).text
    assert "Rows 1–50 of 10,000 · page 1 of 200" in first
    assert _seeds(first) == list(range(50))  # newest first

    second = app_client.get(_link(first, "next")).text
    assert "page 2 of 200" in second and _seeds(second) == list(range(50, 100))
    assert _link(second, "prev").endswith("page=1")

    last = app_client.get(_link(first, "last")).text
    assert "Rows 9,951–10,000 of 10,000 · page 200 of 200" in last
    assert _seeds(last) == list(range(9950, 10_000)) and 'rel="next"' not in last
    assert "page 200 of 200" in app_client.get(f"{url}?page=100000").text  # past the end: the last page
