"""The parts of the report's `images` section on their own: thumbnails of colour and grey pixels, the
summary line of images of mixed sizes and formats, and a multiclass model's confidently wrong images
(the most probable class is the prediction; no threshold)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from workers.assessment.config import AssessmentConfig
from workers.assessment.context import AssessmentContext
from workers.assessment.images_report import shown_model
from workers.assessment.outputs import Comparison, TestLookOutput
from workers.assessment.store import InMemoryStore
from workers.data.dataset import Dataset
from workers.data.images.image_set import ImageSet
from workers.images.summary import confidently_wrong, image_summary, images_section
from workers.images.thumbnails import DATA_URI_PREFIX, png_data_uri
from workers.report.images_view import images_line, images_view
from workers.report.model import DatasetSection, ImagesSection
from workers.rubric.questionnaire import Answers


def _colour_set(n: int = 6) -> ImageSet:
    rng = np.random.default_rng(3)
    return ImageSet(
        pixels=rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8),
        names=[f"{['cats', 'dogs', 'owls'][i % 3]}/{i}.jpg" for i in range(n)],
        widths=np.array([640, 120, 320, 320, 200, 640][:n], dtype=np.int32),
        heights=np.array([480, 80, 240, 240, 200, 427][:n], dtype=np.int32),
        modes=["RGB", "RGB", "L", "RGB", "RGBA", "RGB"][:n],
        formats=["JPEG", "JPEG", "PNG", "JPEG", "PNG", "WEBP"][:n],
        phash=np.zeros(n, dtype=np.uint64),
        content_sha256=[f"{i:064x}" for i in range(n)],
        unreadable=[{"name": f"cats/bad{i}.jpg", "reason": "not an image"} for i in range(60)],
    )


def _colour_dataset() -> Dataset:
    """`_colour_set` as a three-class dataset, each class twice."""
    images = _colour_set()
    return Dataset(
        features=images.features_frame(),
        y=np.array([0, 1, 2, 0, 1, 2]),
        classes=["cats", "dogs", "owls"],
        target="label",
        sha256="ab" * 32,
        columns={},
        images=images,
    )


def test_a_colour_thumbnail_is_the_pixels_as_an_rgb_png() -> None:
    images = _colour_set()
    src = png_data_uri(images.pixels[0])
    assert src.startswith(DATA_URI_PREFIX)
    decoded = Image.open(io.BytesIO(base64.b64decode(src[len(DATA_URI_PREFIX) :])))
    assert decoded.mode == "RGB" and decoded.size == (32, 32)
    assert np.array_equal(np.asarray(decoded), images.pixels[0].transpose(1, 2, 0))
    with pytest.raises(ValueError, match="shape"):
        png_data_uri(images.pixels[0, :2])


def test_the_summary_of_mixed_images_counts_modes_and_formats_and_caps_the_unreadable_list() -> None:
    summary = image_summary(_colour_set())
    assert summary["width"] == {"min": 120, "median": 320, "max": 640}
    assert summary["height"] == {"min": 80, "median": 240, "max": 480}
    assert summary["modes"] == {"RGB": 4, "L": 1, "RGBA": 1}
    assert summary["formats"] == {"JPEG": 3, "PNG": 2, "WEBP": 1}
    assert summary["unreadable_count"] == 60 and len(summary["unreadable"]) == 50
    section = ImagesSection.model_validate({"summary": summary})
    line = images_line(section, DatasetSection(classes=["cats", "dogs", "owls"]))
    assert line == "6 images, 32×32 colour (from 120–640 × 80–480 JPEG/PNG/WEBP), 3 classes; 60 unreadable"


def test_a_multiclass_model_is_wrong_where_its_most_probable_class_is() -> None:
    dataset = _colour_dataset()
    rows = np.array([5, 1, 3])  # test rows, in the test look's order
    proba = np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.3, 0.6, 0.1]])
    wrong, n_wrong = confidently_wrong(dataset, rows, proba, threshold=None)
    assert n_wrong == 2
    assert [(w["name"], w["true"], w["predicted"], w["confidence"]) for w in wrong] == [
        ("dogs/1.jpg", "dogs", "cats", 0.8),
        ("cats/3.jpg", "cats", "dogs", 0.6),
    ]


@pytest.mark.parametrize(
    ("ship", "deep", "shown"),
    [
        ("baseline", "CNN (from scratch)", ("XGBoost", "baseline")),  # the verdict ships the baseline
        ("deep", "CNN (from scratch)", ("CNN (from scratch)", "deep")),
        (
            None,
            "CNN (from scratch)",
            ("CNN (from scratch)", "deep"),
        ),  # nothing shipped yet: the compared deep
        (None, None, ("XGBoost", "baseline")),  # no deep model compared
    ],
)
def test_the_mistakes_shown_are_the_recommended_models(
    ship: str | None, deep: str | None, shown: tuple[str, str]
) -> None:
    dataset = _colour_dataset()
    ctx = AssessmentContext(
        dataset=dataset,
        config=AssessmentConfig(target="label"),
        answers=Answers(),
        store=InMemoryStore(),
        key="k",
    )
    ctx.outputs["test_look"] = TestLookOutput(
        test={}, curves={}, comparison=Comparison(best_baseline="XGBoost", deep=deep), test_budget={}
    )
    assert shown_model(ctx, ship) == shown


def test_past_fifty_classes_the_page_says_how_many_the_samples_leave_out() -> None:
    classes = [f"c{k}" for k in range(60)]
    n = 120
    images = ImageSet(
        pixels=np.zeros((n, 1, 32, 32), dtype=np.uint8),
        names=[f"c{i % 60}/{i}.png" for i in range(n)],
        widths=np.full(n, 32, dtype=np.int32),
        heights=np.full(n, 32, dtype=np.int32),
        modes=["L"] * n,
        formats=["PNG"] * n,
        phash=np.zeros(n, dtype=np.uint64),
        content_sha256=[f"{i:064x}" for i in range(n)],
    )
    dataset = Dataset(
        features=images.features_frame(),
        y=np.arange(n) % 60,
        classes=classes,
        target="label",
        sha256="ab" * 32,
        columns={},
        images=images,
    )
    section = images_section(
        dataset,
        train_rows=np.arange(n),
        test_rows=np.arange(0),
        proba=None,
        threshold=None,
        model=None,
        role=None,
    )
    assert section is not None and len(section["samples"]) == 50
    view = images_view(ImagesSection.model_validate(section), DatasetSection(classes=classes))
    assert view is not None and view["samples_note"] == "Samples of the first 50 of 60 classes."
