"""The dashboard in a real browser (Playwright driving Debian's Chromium) against a real server and worker:
sign in, create a project, upload, assess and watch it finish, read the results; bad uploads, the live
progress page, the keyboard, and a phone's width."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from sqlalchemy import update

from service.auth import create_key
from service.database.engine import session_scope
from service.models import Assessment, AssessmentStatus
from tests.dashboard.browsing import project_with_assessment
from tests.dashboard.live_server import LiveServer, live_server
from tests.service.test_api_harness import BREAST_CANCER

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ASSESSMENT_TIMEOUT_MS = 180_000
FIXTURES = Path(__file__).resolve().parents[1] / "workers" / "fixtures"
CI = re.compile(r"^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$")  # "0.912 [0.897, 0.925]"
MODELS = {"Logistic regression", "Random forest", "XGBoost", "ResNet MLP", "TabM"}  # both deep families run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def server(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The worker thread shares two cores with Chromium and the server: with two intra-op threads, torch's
    # OpenMP workers spin-wait for a core the others hold, and the deep model takes 10x longer.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with live_server(postgres_server, tmp_path_factory.mktemp("home")) as live:
            yield live
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright.Browser]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: playwright.Browser, server: LiveServer) -> Iterator[playwright.Page]:
    """A fresh browser context (no cookies) whose page opens the live server."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: playwright.Page, server: LiveServer, team: str) -> str:
    """Sign in through the form with a new key of `team`; returns the key."""
    key = create_key(server.engine, team_name=team, name="browser tests")
    page.goto("/projects")
    assert "/login?next=" in page.url
    page.fill("#api-key", key)
    page.keyboard.press("Enter")
    playwright.expect(page.locator("h1")).to_have_text("Projects")
    return key


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    # Polled from Python: the pages' CSP forbids the eval'd predicates of page.wait_for_function.
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_sign_in_create_upload_assess_and_read_the_results(page: playwright.Page, server: LiveServer) -> None:
    sign_in(page, server, "team-flow")
    page.click("text=New project")
    page.fill("#name", "Breast cancer")
    page.select_option("#q-dataset-labels-available", "yes")
    page.select_option("#q-feasibility-is-x-to-y-mapping", "yes")
    page.fill("#q-feasibility-target-value", "0.9")
    page.click("button:has-text('Create project')")
    playwright.expect(page.locator("h1")).to_have_text("Breast cancer")
    assert page.locator("#chart-readiness rect.bar").count() == 5

    page.click("text=Upload a dataset")
    page.set_input_files("#file", str(BREAST_CANCER))
    page.fill("#target", "diagnosis")
    page.fill("#positive", "malignant")
    page.click("button:has-text('Upload and check')")
    playwright.expect(page.locator("[role=status]")).to_contain_text("Dataset uploaded")

    page.click("text=Start an assessment")
    page.fill("#max-epochs", "3")
    page.fill("#n-resamples", "200")
    page.select_option("#device", "cpu")
    page.uncheck(
        "#learning-curve"
    )  # its points are jobs of their own: the slowest part of a run; not needed here
    page.click("button:has-text('Start the assessment')")
    playwright.expect(page.locator("[data-live-progress]")).to_be_visible()  # live while it runs

    verdict = page.locator(".verdict-summary")
    verdict.wait_for(timeout=ASSESSMENT_TIMEOUT_MS)  # the page reloads itself when the job ends
    assert len(verdict.inner_text()) > 40
    rows = page.locator("table.comparison tbody tr")
    assert {rows.nth(i).get_attribute("data-model") for i in range(rows.count())} == MODELS
    aucs = page.locator("td[data-metric='roc_auc']").all_inner_texts()
    assert len(aucs) == len(MODELS) and all(CI.match(a) for a in aucs), aucs
    roc_series = page.locator("#chart-roc path.series")
    assert {roc_series.nth(i).get_attribute("data-series") for i in range(roc_series.count())} == MODELS
    assert page.locator("#chart-pr path.series").count() == len(MODELS)
    assert page.locator("#chart-loss path.series").count() == 2  # training and validation loss

    with page.expect_download() as download:
        page.click("text=Download JSON report")
    report = json.loads(Path(download.value.path()).read_text())
    assert report["verdict"]["summary"] == verdict.inner_text()


def test_a_malformed_upload_shows_its_error_beside_the_file(
    page: playwright.Page, server: LiveServer
) -> None:
    sign_in(page, server, "team-upload")
    page.click("text=New project")
    page.fill("#name", "Uploads")
    page.click("button:has-text('Create project')")
    page.click("text=Upload a dataset")
    malformed = b'a,b,diagnosis\n1,2,x\n3,4,y,5,6\n"7,8\n'
    page.set_input_files("#file", {"name": "broken.csv", "mimeType": "text/csv", "buffer": malformed})
    page.fill("#target", "diagnosis")
    page.click("button:has-text('Upload and check')")
    playwright.expect(page.locator("#file-error")).to_contain_text("could not be parsed as CSV")
    playwright.expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
    playwright.expect(page.locator("#form-errors")).to_be_focused()  # read first by a screen reader
    playwright.expect(page.locator("#target")).to_have_value("diagnosis")

    # A file over the limit is refused by the page before it is sent.
    upload_url = page.url
    page.locator("form[data-upload-form]").evaluate("form => { form.dataset.maxBytes = '100'; }")
    page.set_input_files("#file", str(BREAST_CANCER))
    page.click("button:has-text('Upload and check')")
    playwright.expect(page.locator("[data-client-error]")).to_contain_text("larger than the upload limit")
    assert page.url == upload_url


def test_the_live_page_grows_its_loss_curve_and_can_cancel(page: playwright.Page, server: LiveServer) -> None:
    detail = {"epoch": 1, "train_loss": 0.7, "val_loss": 0.72, "val_roc_auc": 0.8}
    # A running assessment with no job behind it: the test plays the worker's part.
    _, assessment_id = project_with_assessment(
        server.engine,
        server.settings,
        "team-live",
        status="running",
        stage="deep_model",
        progress_detail=detail,
    )
    sign_in(page, server, "team-live")
    page.goto(f"/assessments/{assessment_id}")
    train_points = page.locator("[data-live-chart] g.points[data-series='train'] circle")
    playwright.expect(train_points).to_have_count(1)

    for epoch in (2, 3):
        with session_scope(server.engine) as session:
            session.execute(
                update(Assessment)
                .where(Assessment.id == assessment_id)
                .values(
                    progress_detail={**detail, "epoch": epoch, "train_loss": 0.7 / epoch}, progress=epoch / 10
                )
            )
        playwright.expect(train_points).to_have_count(epoch)
    playwright.expect(page.locator("[data-live-detail]")).to_contain_text("Epoch 3")
    assert page.locator("[data-live-chart] path.series[data-series='validation']").count() == 1

    page.click("button:has-text('Cancel the assessment')")
    playwright.expect(page.locator("[data-live-status]")).to_contain_text("cancelling")
    playwright.expect(page.locator(".cancel-form button")).to_be_disabled()

    with session_scope(server.engine) as session:  # the worker stops at its next batch
        session.execute(
            update(Assessment)
            .where(Assessment.id == assessment_id)
            .values(status=AssessmentStatus.cancelled, error_detail="Cancelled on request.")
        )
    playwright.expect(page.locator("text=The assessment was cancelled")).to_be_visible()  # reloaded by itself
    assert page.locator("[data-live-progress]").count() == 0


def test_the_new_project_form_works_from_the_keyboard(page: playwright.Page, server: LiveServer) -> None:
    sign_in(page, server, "team-keys")
    page.goto("/projects/new")
    page.keyboard.press("Tab")
    playwright.expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")  # past the site's navigation: next come the breadcrumbs, then the form
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")
        )
        if order[-1] == "Create project":
            break
    assert order[:5] == ["Projects", "name", "description", "test-budget", "q-dataset-labels-available"], (
        order
    )
    assert order[-1] == "Create project" and "q-fault-tolerance-fallback-exists" in order

    page.focus("#name")
    page.keyboard.type("Typed by keyboard")
    page.focus("#q-dataset-labels-available")
    page.keyboard.press("ArrowDown")  # "— not answered —" → "Yes"
    page.focus("button:has-text('Create project')")
    page.keyboard.press("Enter")
    playwright.expect(page.locator("h1")).to_have_text("Typed by keyboard")


def test_at_phone_width_no_page_scrolls_sideways(browser: playwright.Browser, server: LiveServer) -> None:
    report = json.loads((FIXTURES / "report_binary.json").read_text())
    project_id, assessment_id = project_with_assessment(
        server.engine, server.settings, "team-phone", status="succeeded", report=report
    )
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone = context.new_page()
    sign_in(phone, server, "team-phone")
    for path in (
        "/projects",
        "/projects/new",
        f"/projects/{project_id}",
        f"/projects/{project_id}/datasets/new",
        f"/projects/{project_id}/assessments/new",
        f"/assessments/{assessment_id}",
    ):
        phone.goto(path)
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    assert phone.locator("#chart-roc").bounding_box()["width"] <= 390
    context.close()
