"""Issue 13, item 5, in a real browser: an image assessment's page at phone width — the Images section's
thumbnails drawn from their data URIs (the page's CSP lets `data:` images in), scaled up pixelated, and no
page wider than the phone with both grids and the deep section's extras on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dashboard.browsing import project_with_assessment
from tests.dashboard.live_server import LiveServer, live_server
from tests.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in
from tests.workers.digits_images import assessed_digits

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install -y chromium"),
]


@pytest.fixture(scope="module")
def server(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(postgres_server, tmp_path_factory.mktemp("home")) as live:
        yield live


def test_the_images_of_an_image_assessment_load_and_fit_a_phone(server: LiveServer) -> None:
    _, _, _, report = assessed_digits()
    _, assessment_id = project_with_assessment(
        server.engine, server.settings, "team-images", status="succeeded", report=report
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=server.base_url, viewport={"width": 390, "height": 844}, is_mobile=True
        )
        context.set_default_timeout(15_000)
        phone = context.new_page()
        blocked: list[str] = []
        phone.on(
            "console",
            lambda message: blocked.append(message.text) if "Content Security" in message.text else None,
        )
        sign_in(phone, server, "team-images")
        phone.goto(f"/assessments/{assessment_id}")
        thumbs = phone.locator("#images img")
        section = report["images"]
        grids = [t for group in section["samples"] for t in group["images"]]
        expected = len(grids) + len(section["confidently_wrong"]) + len(section.get("label_suspects", []))
        assert thumbs.count() == expected
        # Every image decoded (a CSP-blocked or broken data URI has no natural size), 32 px scaled to 64.
        sizes = thumbs.evaluate_all(
            "imgs => imgs.map(i => [i.naturalWidth, i.getBoundingClientRect().width])"
        )
        assert all(natural == 32 and shown == 64 for natural, shown in sizes), sizes
        rendering = thumbs.first.evaluate("i => getComputedStyle(i).imageRendering")
        assert rendering == "pixelated"
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        assert not blocked, blocked
        context.close()
        browser.close()
