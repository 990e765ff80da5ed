"""Issue 13, item 5: the assessment page of an image dataset shows the Images section the HTML report shows
— what was read, training samples per class and the most confidently wrong test images — every image
inlined as a data URI (the dashboard's Content-Security-Policy allows `img-src data:`); a table's page has
no such section."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from tests.workers.digits_images import assessed_digits
from tests.workers.test_deep_extras_report import ARCHITECTURE, BACKBONE, transfer_report, with_cnn

STORED = Path(__file__).resolve().parents[1] / "workers" / "fixtures" / "report_stored.json"


def _section(html: str) -> str:
    start = html.index('<section id="images"')
    return html[start : html.index("</section>", start)]


def test_the_assessment_page_of_an_image_dataset_shows_its_images(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    _, _, _, report = assessed_digits()
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/assessments/{assessment_id}")
    assert page.status_code == 200
    assert "img-src 'self' data:" in page.headers["content-security-policy"]
    html = page.text
    assert '<a href="#images">Images</a>' in html
    section = _section(html)
    assert "400 images, 32×32 grey (from 8×8 PNG), 2 classes; 1 unreadable" in section
    images = report["images"]
    samples = section[
        section.index('<ul class="thumbs samples">') : section.index('<ul class="thumbs wrong">')
    ]
    assert re.findall(r'<img src="[^"]*" alt="([^"]+)"', samples) == [
        t["name"] for group in images["samples"] for t in group["images"]
    ]
    wrong = section[section.index('<ul class="thumbs wrong">') :]
    found = re.findall(r'<li class="thumb" data-true="([^"]+)" data-predicted="([^"]+)">', wrong)
    assert found == [(w["true"], w["predicted"]) for w in images["confidently_wrong"]]
    assert images["confidently_wrong_model"] in section
    suspects = section[section.index('<ul class="thumbs suspects">') :]
    assert re.findall(r'<img src="[^"]*" alt="[^"]*" title="([^"]+)"', suspects) == [
        s["name"] for s in images["label_suspects"]
    ]
    srcs = re.findall(r'src="([^"]+)"', section)
    assert srcs and all(src.startswith("data:image/png;base64,") for src in srcs)
    # The page's stylesheet scales the tiny model pixels up without smoothing.
    css = app_client.get("/static/dashboard.css").text
    assert "image-rendering: pixelated" in css


def test_a_table_assessment_page_has_no_images_section(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    table = json.loads(STORED.read_text())
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=table)
    sign_in(app_client, new_key(engine, "team-a"))
    html = app_client.get(f"/assessments/{assessment_id}").text
    assert 'id="models"' in html
    assert 'id="images"' not in html and "#images" not in html


def test_the_deep_section_shows_the_keys_an_image_family_adds(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = with_cnn(transfer_report())
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    html = app_client.get(f"/assessments/{assessment_id}").text
    section = html[html.index('<section id="deep"') :]
    section = section[: section.index("</section>")]
    assert f"<dt>Backbone</dt><dd>{BACKBONE}</dd>" in section
    assert "<dt>Overfit check on</dt><dd>the linear head over the frozen ImageNet features</dd>" in section
    assert re.search(
        r'<tr class="row-highlight"><th scope="row">Fine tune <span class="badge tone-neutral">kept', section
    )
    assert '<details class="init-layers">' in section
    other = section[section.index('<details class="deep-other" data-model="CNN (from scratch)">') :]
    assert f"<dt>Architecture</dt><dd>{ARCHITECTURE}</dd>" in other
