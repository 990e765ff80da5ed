"""A whole image assessment, as a user runs one: a zip of class folders (with a damaged file and copies of a
few images in it) through `readiness assess` and through the API with a real worker, to a report that says
images, trained the CNN and the transfer model against the baselines, kept the copies together, listed the
damaged file, and answered with the same verdict, test look and statistics a table gets."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sqlalchemy import Engine

from service.assessments.runtime import run_worker_in_thread
from service.settings import Settings
from tests.images_zips import zip_bytes
from tests.service.test_api_end_to_end import _poll
from tests.service.test_api_harness import API, bearer, make_project, running_api, upload
from tests.service.test_cli_assess import _readiness
from workers.verdict import VerdictCode

VERDICTS = set(get_args(VerdictCode))
PER_CLASS = 120
COPIED = 4  # images copied with a brightness change: near duplicates the split must keep with their originals
READABLE = 2 * PER_CLASS + COPIED + 1  # the scans, the brightened copies and one exact copy


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def digits_zip() -> bytes:
    """Threes and eights from scikit-learn's digits as 32×32 PNGs in class folders, plus brightened copies of
    a few threes, one exact copy and one cut-off file."""
    digits = load_digits()
    members: dict[str, bytes] = {}
    for label in (3, 8):
        for n, i in enumerate(np.flatnonzero(digits.target == label)[:PER_CLASS]):
            scan = np.kron((digits.images[i] / 16 * 255).astype(np.uint8), np.ones((4, 4), dtype=np.uint8))
            members[f"{label}/{i:04d}.png"] = _png(scan)
            if label == 3 and n < COPIED:
                brighter = np.clip(scan.astype(int) + 25, 0, 255).astype(np.uint8)
                members[f"{label}/{i:04d}_copy.png"] = _png(brighter)
    first = next(iter(members))
    members["3/exact_copy.png"] = members[first]
    members["8/cut_off.png"] = members[first][:60]
    return zip_bytes(members)


def _assert_a_whole_image_report(report: dict[str, Any]) -> None:
    assert report["dataset"]["modality"] == "images"
    summary = report["images"]["summary"]
    assert summary["unreadable_count"] == 1 and summary["unreadable"][0]["name"] == "8/cut_off.png"
    checks = {finding["check"] for finding in report["checks"]}
    assert {"unreadable_images", "duplicate_images", "near_duplicate_images"} <= checks, checks
    # The deep stage trained both image families and compared the better one with the baselines.
    assert {c["family"] for c in report["deep"]["candidates"]} == {"cnn", "transfer"}
    names = {model["name"] for model in report["models"]}
    assert {"Logistic regression", "Random forest", "XGBoost"} <= names
    assert names & {"CNN (from scratch)", "EfficientNet-Lite0 (transfer)"}
    assert report["test_budget"]["used"] == 1
    assert report["verdict"]["code"] in VERDICTS
    assert report["comparison"]["delong_p_value"] is not None  # DeLong, best baseline against the deep model
    assert report["images"]["samples"] and all(
        image["src"].startswith("data:image/png;base64,")
        for group in report["images"]["samples"]
        for image in group["images"]
    )


def test_readiness_assess_a_zip_of_images_end_to_end(tmp_path: Path, database_url: str) -> None:
    photos = tmp_path / "digits.zip"
    photos.write_bytes(digits_zip())
    env = {**os.environ, "READINESS_HOME": str(tmp_path / "home"), "READINESS_DATABASE_URL": database_url}
    done = subprocess.run(
        [
            *_readiness(), "assess", str(photos), "--positive", "3",
            "--max-epochs", "2", "--no-learning-curve", "--resamples", "200", "--device", "cpu",
            "--json-out", str(tmp_path / "r.json"), "--html-out", str(tmp_path / "r.html"),
        ],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"Images: {READABLE} images, 32×32 grey" in done.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    _assert_a_whole_image_report(report)
    html = (tmp_path / "r.html").read_text()
    assert "Images" in html and "8/cut_off.png" in html


@pytest.fixture
def worker(settings: Settings) -> Iterator[None]:
    handle = run_worker_in_thread(settings)
    yield
    handle.stop()


def test_an_image_assessment_by_http_with_a_real_worker(
    settings: Settings, engine: Engine, worker: None
) -> None:
    with running_api(settings) as client:
        headers = bearer(engine, "team-images")
        project = make_project(client, headers)
        dataset = upload(
            client, headers, project["id"], content=digits_zip(), filename="digits.zip", target="label",
            positive="3",
        )  # fmt: skip
        assert dataset.status_code == 201, dataset.text
        started = client.post(
            f"{API}/projects/{project['id']}/assessments",
            json={
                "dataset_id": dataset.json()["id"], "max_epochs": 2, "n_resamples": 200, "device": "cpu",
                "learning_curve": False,
            },
            headers=headers,
        )  # fmt: skip
        assert started.status_code == 202, started.text
        done = _poll(client, started.headers["location"], headers)
        assert done["status"] == "succeeded", done["error"]
        _assert_a_whole_image_report(done["report"])
