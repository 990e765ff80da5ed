"""Acting from the dashboard in a real browser (Playwright driving Debian's Chromium) against a real server
and worker: start a grid, watch it finish and promote its best point; submit a batch from files; cancel an
assessment from the list; raise a test budget with a reason; a bad grid range keeps the form's values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.models import Split
from tests.dashboard.browsing import add_assessment
from tests.dashboard.live_server import LiveServer
from tests.dashboard.test_browser import CHROMIUM, browser, page, server, sign_in
from tests.service.records import project_with_dataset
from tests.service.test_api_harness import BREAST_CANCER

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

__all__ = ["browser", "page", "server"]  # the browser tests' fixtures, shared

GRID_TIMEOUT_MS = 120_000  # two logistic regressions on 569 rows, on a busy two-core box

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]


def _project(server: LiveServer, team: str) -> tuple[str, str]:
    project, dataset = project_with_dataset(
        server.engine,
        ArtifactStore(server.settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
        team=team,
    )
    return str(project.id), str(dataset.id)


def test_start_a_grid_watch_it_finish_and_promote_its_best_point(
    page: playwright.Page, server: LiveServer
) -> None:
    project, _ = _project(server, "team-grid")
    sign_in(page, server, "team-grid")
    page.goto(f"/projects/{project}")
    page.click("text=Start a grid")
    playwright.expect(page.locator("h1")).to_have_text("Start a grid")
    page.fill("#hp-C", "0.1, 1")
    page.fill("#hypothesis", "a stronger penalty is as good")
    page.click("button:has-text('Start the grid')")
    playwright.expect(page.locator("[data-grid-progress]")).to_be_visible()
    assert "a stronger penalty is as good" in page.inner_text("#progress")
    # The page reloads itself every few seconds while points run.
    playwright.expect(page.locator("[data-grid-progress]")).to_have_text(
        "2 of 2 points done", timeout=GRID_TIMEOUT_MS
    )
    assert page.locator("table.leaderboard tbody tr").count() == 2
    page.fill("#reason", "the best on validation")
    page.click("button:has-text('Promote to the test split')")
    playwright.expect(page.locator("[data-test-metric=roc_auc]")).to_be_visible()
    promoted = page.inner_text("#promoted")
    assert "the best on validation" in promoted and "Test looks used: 1 of 3" in promoted
    assert page.locator("[data-promoted]").count() == 1  # the leaderboard marks the promoted row


def test_a_bad_grid_range_is_shown_beside_its_field_and_the_form_keeps_its_values(
    page: playwright.Page, server: LiveServer
) -> None:
    project, _ = _project(server, "team-grid-error")
    sign_in(page, server, "team-grid-error")
    page.goto(f"/projects/{project}/grids/new")
    page.fill("#hp-C", "log 0..100 x5")
    page.fill("#hp-max-iter", "500")
    page.fill("#hypothesis", "kept after the error")
    page.click("button:has-text('Start the grid')")
    playwright.expect(page.locator("#hp-C-error")).to_contain_text("log_range needs positive ends")
    assert page.get_attribute("#hp-C", "aria-invalid") == "true"
    assert page.input_value("#hp-C") == "log 0..100 x5"
    assert page.input_value("#hp-max-iter") == "500"
    assert page.input_value("#hypothesis") == "kept after the error"
    playwright.expect(page.locator("#form-errors")).to_be_visible()


def test_submit_a_batch_from_files(page: playwright.Page, server: LiveServer, tmp_path: Path) -> None:
    spec = tmp_path / "batch.yaml"
    spec.write_text(
        "name: browser batch\nitems:\n  - kind: project\n    name: from a batch\n"
        "  - kind: dataset\n    project: from a batch\n    file: breast_cancer.csv\n"
        "    target: diagnosis\n    positive: malignant\n"
    )
    sign_in(page, server, "team-batch")
    page.goto("/batches")
    page.click("text=Submit a batch")
    page.set_input_files("#spec", str(spec))
    page.set_input_files("#files", [str(BREAST_CANCER)])
    page.click("button:has-text('Submit the batch')")
    playwright.expect(page.locator("h1")).to_have_text("browser batch")
    assert page.locator("table.batch-items tbody tr").count() == 2
    page.goto("/projects")
    playwright.expect(page.locator("text=from a batch").first).to_be_visible()


def test_cancel_an_assessment_from_the_list(page: playwright.Page, server: LiveServer) -> None:
    project, _ = _project(server, "team-cancel")
    assessment = add_assessment(server.engine, project)  # queued, with no job behind it: nothing runs it
    sign_in(page, server, "team-cancel")
    page.goto(f"/projects/{project}/assessments")
    page.click(f"[data-cancel-assessment='{assessment}']")
    playwright.expect(page).to_have_url(re.compile(f"/projects/{project}/assessments$"))  # back on the list
    playwright.expect(page.locator("table.assessments-table .badge").first).to_contain_text("cancelling")
    assert page.locator(f"[data-cancel-assessment='{assessment}']").count() == 0


def test_raise_a_budget_with_a_reason_and_see_the_new_limit_and_the_audit_row(
    page: playwright.Page, server: LiveServer
) -> None:
    project, dataset = _project(server, "team-budget")
    with session_scope(server.engine) as session:
        split = Split(dataset_id=dataset, seed=11, split_hash="h", sizes={}, test_budget=3)
        session.add(split)
    sign_in(page, server, "team-budget")
    page.goto(f"/projects/{project}#budget")
    page.click("#budget summary:has-text('Raise this budget')")
    page.fill(f"#new-limit-{split.id}", "5")
    page.fill(f"#reason-{split.id}", "a second question for the holdout")
    page.click("#budget button:has-text('Raise the budget')")
    playwright.expect(page.locator("[role=status]")).to_contain_text("Test budget raised")
    assert "0 of 5" in page.inner_text(f"#budget-{split.id}")
    audit = page.locator("table.budget-changes tbody tr").first.inner_text()
    assert "a second question for the holdout" in audit and "browser tests" in audit
    assert "3" in audit and "5" in audit
