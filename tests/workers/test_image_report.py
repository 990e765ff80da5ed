"""Issue 13, item 5: an image assessment's report — the JSON's `dataset.modality` and `images` section, the
HTML report's Images section, and the terminal's images line — from a whole assessment of real images
(scikit-learn's digits, built by hand as the intake would, some labels mis-sorted so that the models are
confidently wrong about a few test images)."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from service.cli.terminal_report import render_report
from tests.workers.digits_images import UNREADABLE, assessed_digits
from workers.checks import too_good_findings
from workers.images.summary import SAMPLES_PER_CLASS
from workers.preparation import prepare
from workers.report.html import render_html
from workers.report.model import Report
from workers.split import TEST, TRAIN

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PNG_URI = "data:image/png;base64,"


class Assessed:
    """One image assessment, run once for this module: the dataset, its report and the test look."""

    def __init__(self) -> None:
        self.dataset, config, self.store, self.report = assessed_digits()
        split = prepare(self.dataset, seed=config.seed).split
        names = self.dataset.images.names if self.dataset.images else []
        self.train = {names[i] for i in split.indices(TRAIN)}
        self.test_rows = split.indices(TEST)
        self.test = {names[i]: int(i) for i in self.test_rows}


@pytest.fixture(scope="module")
def assessed() -> Assessed:
    return Assessed()


def _pixels_of(src: str) -> np.ndarray:
    assert src.startswith(PNG_URI)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src[len(PNG_URI) :]))))


def test_the_report_json_says_images_and_summarises_what_was_read(assessed: Assessed) -> None:
    report = assessed.report
    assert report["dataset"]["modality"] == "images"
    summary = report["images"]["summary"]
    assert summary == {
        "count": 400,
        "channels": 1,
        "model_size": 32,
        "width": {"min": 8, "median": 8, "max": 8},
        "height": {"min": 8, "median": 8, "max": 8},
        "modes": {"L": 400},
        "formats": {"PNG": 400},
        "unreadable_count": 1,
        "unreadable": [UNREADABLE],
    }
    # The typed report reads it back and dumps it unchanged (the API serves this model).
    assert Report.model_validate(report).as_json() == report



def test_the_sentences_speak_of_images_not_rows_or_columns(assessed: Assessed) -> None:
    dataset = assessed.report["readiness"]["criteria"]["dataset"]
    assert any("400 labelled images" in finding for finding in dataset["findings"]), dataset["findings"]
    assert "labelled rows" not in json.dumps(assessed.report["readiness"])
    leak = too_good_findings({"CNN": {"roc_auc": 0.999}}, modality="images")[0]
    assert "visible in the images" in leak.message and "column" not in leak.message


def test_samples_come_from_the_training_split_only_and_are_the_model_pixels(assessed: Assessed) -> None:
    samples = assessed.report["images"]["samples"]
    assert [group["class"] for group in samples] == ["other", "3"]
    images = assessed.dataset.images
    assert images is not None
    for group in samples:
        assert 0 < len(group["images"]) <= SAMPLES_PER_CLASS
        for thumbnail in group["images"]:
            assert thumbnail["name"] in assessed.train, thumbnail["name"]
            row = images.names.index(thumbnail["name"])
            assert assessed.dataset.classes[assessed.dataset.y[row]] == group["class"]
            assert np.array_equal(_pixels_of(thumbnail["src"]), images.pixels[row, 0])


def test_confidently_wrong_are_test_images_the_shipped_model_got_wrong_most_confident_first(
    assessed: Assessed,
) -> None:
    report, dataset = assessed.report, assessed.dataset
    section = report["images"]
    # No deep model ran: the report's one model to speak of is the best baseline, the one it recommends.
    assert section["confidently_wrong_role"] == "baseline"
    assert section["confidently_wrong_model"] == report["comparison"]["best_baseline"]
    wrong = section["confidently_wrong"]
    assert wrong, "60 mislabelled images leave some test image wrong"
    model = next(m for m in report["models"] if m["name"] == section["confidently_wrong_model"])
    # The test look's own probabilities, as it stored them: the report did not look at the test split again.
    proba = assessed.store.load_stage("test_look").test_proba[model["name"]][:, 1]
    score = dict(zip(assessed.test_rows.tolist(), proba.tolist(), strict=True))
    threshold = model["test"]["threshold"]
    assert section["test_count"] == len(assessed.test_rows) == report["split"]["sizes"]["test"]
    assert section["test_wrong"] == sum(
        (score[r] >= threshold) != (dataset.y[r] == 1) for r in assessed.test_rows.tolist()
    )
    for item in wrong:
        row = assessed.test[item["name"]]  # a test image, by its file name
        assert item["true"] == dataset.classes[dataset.y[row]]
        predicted_positive = score[row] >= threshold
        assert item["predicted"] == ("3" if predicted_positive else "other") != item["true"]
        expected = score[row] if predicted_positive else 1 - score[row]
        assert item["confidence"] == pytest.approx(expected, abs=1e-4)
        assert item["src"].startswith(PNG_URI)
    confidences = [item["confidence"] for item in wrong]
    assert confidences == sorted(confidences, reverse=True)


def test_a_table_report_reads_as_a_table_and_an_old_one_dumps_back_as_stored() -> None:
    stored = json.loads((FIXTURES / "report_stored.json").read_text())
    assert "modality" not in stored["dataset"] and "images" not in stored
    report = Report.model_validate(stored)
    assert report.dataset is not None and report.dataset.modality == "table"
    assert report.images is None
    assert report.as_json() == stored
    assert 'id="images"' not in render_html(stored)


class _Page(HTMLParser):
    """The images of the HTML report's Images section, and every URL anywhere on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <section id="images"> while > 0
        self.grid: str | None = None
        self.images: dict[str, list[dict[str, str]]] = {"samples": [], "wrong": [], "suspects": []}
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href", "action", "srcset", "poster"):
            if key in a and not a[key].startswith("#"):
                self.urls.append(a[key])
        if tag == "section":
            self.depth += 1 if a.get("id") == "images" or self.depth else 0
        if self.depth and tag == "ul" and "thumbs" in a.get("class", ""):
            self.grid = next(grid for grid in ("wrong", "suspects", "samples") if grid in a["class"])
        if self.depth and tag == "img" and self.grid:
            self.images[self.grid].append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.depth:
            self.depth -= 1
        if tag == "ul":
            self.grid = None


def test_the_html_report_shows_both_grids_self_contained(assessed: Assessed) -> None:
    report = assessed.report
    html = render_html(report)
    page = _Page()
    page.feed(html)
    section = report["images"]
    shown = [t["name"] for group in section["samples"] for t in group["images"]]
    assert [img["alt"] for img in page.images["samples"]] == shown
    assert [img["title"] for img in page.images["wrong"]] == [w["name"] for w in section["confidently_wrong"]]
    # Every image is inlined and there is no URL of any kind: the page opens offline and from an e-mail.
    assert page.urls and all(url.startswith(PNG_URI) for url in page.urls)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "image-rendering: pixelated" in html
    first = section["confidently_wrong"][0]
    assert f"<code>{first['true']}</code> → <code>{first['predicted']}</code>" in html
    assert '<a href="#images">Images</a>' in html
    assert "400 images, 32×32 grey (from 8×8 PNG), 2 classes; 1 unreadable" in html


def test_a_stored_report_with_a_url_for_a_thumbnail_shows_no_such_image(assessed: Assessed) -> None:
    report = json.loads(json.dumps(assessed.report))
    report["images"]["confidently_wrong"][0]["src"] = "https://example.com/tracker.png"
    page = _Page()
    page.feed(render_html(report))
    assert len(page.images["wrong"]) == len(report["images"]["confidently_wrong"]) - 1
    assert all(url.startswith(PNG_URI) for url in page.urls)


@pytest.mark.parametrize("width", [60, 80, 140])
def test_the_terminal_shows_the_images_line_and_the_most_confidently_wrong(
    assessed: Assessed, width: int
) -> None:
    console = Console(width=width, record=True, color_system=None)
    render_report(console, assessed.report)
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    if width >= 80:
        assert "Images: 400 images, 32×32 grey (from 8×8 PNG), 2 classes; 1 unreadable\n" in text
    wrong = assessed.report["images"]["confidently_wrong"]
    for item in wrong[:5]:
        assert (
            f"  {item['name']}: {item['true']} → {item['predicted']} ({100 * item['confidence']:.1f}%)\n"
            in text
        )
    # Five by name in the terminal; the HTML report has them all, as pictures.
    assert len(wrong) > 5 and wrong[5]["name"] not in text
    # The label-noise suspects by file name, not only by row number.
    first = assessed.report["images"]["label_suspects"][0]
    assert f"{first['name']} ({first['given']} → {first['suggested']}?)" in " ".join(text.split())


def test_the_label_suspects_are_shown_as_images_named_by_file(assessed: Assessed) -> None:
    report, dataset = assessed.report, assessed.dataset
    images = dataset.images
    assert images is not None
    suspects = report["label_noise"]["suspects"]
    shown = report["images"]["label_suspects"]
    assert shown and len(shown) == min(12, len(suspects))
    for suspect, image in zip(suspects, shown, strict=False):
        # The same row as the label-noise section, by its file name, with its label as given.
        assert image["name"] == images.names[suspect["row"]]
        assert image["given"] == suspect["given"] == dataset.classes[dataset.y[suspect["row"]]]
        assert (image["suggested"], image["split"]) == (suspect["suggested"], suspect["split"])
        assert np.array_equal(_pixels_of(image["src"]), images.pixels[suspect["row"], 0])
    page = _Page()
    page.feed(render_html(report))
    assert [img["title"] for img in page.images["suspects"]] == [s["name"] for s in shown]
