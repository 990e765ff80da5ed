"""Screenshots of the dashboard for the README, taken from a real `readiness serve` in a fresh home.

    python docs/screenshots/take.py            # writes docs/screenshots/*.png

Signs in with the one-time link `serve` prints, creates a project with answers, uploads
examples/breast_cancer.csv, runs an assessment to its end, and photographs the main pages. Needs
Playwright for Python and Debian's Chromium (`apt-get install chromium`); no network.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH = 1200
ASSESSMENT_TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """`readiness serve` in `home`; returns the process and the login link it printed."""
    env = {**os.environ, "READINESS_HOME": str(home), "OMP_NUM_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli.main import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert server.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            break
        if match := re.search(r"(http://\S+/login/\S+)", line):
            link = match.group(1)
            break
    else:
        server.kill()
        raise SystemExit("readiness serve printed no login link")
    for _ in range(100):  # the link is printed before uvicorn listens
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server, link
        time.sleep(0.1)
    server.kill()
    raise SystemExit("readiness serve did not start listening")


def synthetic_csv(path: Path, rows: int = 20_000) -> Path:
    """A table big enough that the deep model trains for a while, so the live page can be photographed."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, 16))
    signal = x[:, 0] * x[:, 1] + np.sin(2 * x[:, 2]) + 0.5 * x[:, 3] - 0.8
    frame = pd.DataFrame(x, columns=[f"sensor_{i}" for i in range(16)])
    frame["churned"] = np.where(signal + rng.normal(scale=0.7, size=rows) > 0, "yes", "no")
    frame.to_csv(path, index=False)
    return path


def shoot(page: Page, name: str, *, height: int = 900) -> None:
    """The top `height` pixels of the page: long pages are cut, so every picture stays under ~300 KB."""
    path = OUT / f"{name}.png"
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="rdy-shot-", dir="/tmp"))
    server, link = start_server(home, free_port())
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(link)
            page.click("text=New project")
            page.fill("#name", "Breast cancer diagnosis")
            page.fill(
                "#description", "Flag malignant tumours from cell-nucleus measurements for a second look."
            )
            for field, value in {
                "#q-dataset-labels-available": "yes",
                "#q-dataset-label-source": "existing_records",
                "#q-dataset-more-labels-obtainable": "some",
                "#q-reuse-model-reuse": "few_products",
                "#q-feasibility-is-x-to-y-mapping": "yes",
                "#q-payoff-value-if-solved": "high",
                "#q-fault-tolerance-cost-of-error": "high",
                "#q-fault-tolerance-human-in-the-loop": "yes",
            }.items():
                page.select_option(field, value)
            page.fill("#q-feasibility-target-value", "0.95")
            shoot(page, "new-project", height=1100)
            page.click("text=Create project")
            page.click("text=Upload a dataset")
            page.set_input_files("#file", str(ROOT / "examples" / "breast_cancer.csv"))
            page.fill("#target", "diagnosis")
            page.fill("#positive", "malignant")
            page.click("button:has-text('Upload and check')")
            page.click("text=Start an assessment")
            page.fill("#max-epochs", "30")
            shoot(page, "new-assessment")
            page.click("button:has-text('Start the assessment')")
            page.wait_for_selector(".verdict", timeout=ASSESSMENT_TIMEOUT_MS)
            shoot(page, "assessment", height=1500)

            # A bigger table, to catch an assessment while its deep model trains (then cancel it).
            project_url = page.locator("nav.breadcrumbs a").nth(1).get_attribute("href")
            page.goto(f"{link.split('/login/')[0]}{project_url}/datasets/new")
            page.set_input_files("#file", str(synthetic_csv(home / "sensor_churn.csv")))
            page.fill("#target", "churned")
            page.click("button:has-text('Upload and check')")
            page.click("text=Start an assessment")
            page.fill("#max-epochs", "40")
            page.click("button:has-text('Start the assessment')")
            # Four epochs on the live chart (polled from Python: the page's CSP forbids eval'd predicates).
            points = page.locator("[data-live-chart] g.points[data-series='train'] circle")
            deadline = time.monotonic() + ASSESSMENT_TIMEOUT_MS / 1000
            while points.count() < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
            shoot(page, "assessment-running")
            page.click("button:has-text('Cancel the assessment')")

            page.click("nav.breadcrumbs >> text=Breast cancer diagnosis")
            shoot(page, "project", height=1500)
            page.click("nav.site-nav >> text=Projects")
            shoot(page, "projects", height=600)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
