"""An image dataset as the report shows it: what was read, sample images per class, and the test images
the model got most confidently wrong.

`images_section` builds the report's `images` section (typed as `workers.report.model.ImagesSection`):

- `summary`: how many images, the size the models see, the sizes, modes and formats as read, and the files
  left out as unreadable (the first `UNREADABLE_LISTED`; `unreadable_count` counts them all);
- `samples`: up to `SAMPLES_PER_CLASS` thumbnails per class, from the **training** split only — the report
  must not show test images as "what the data looks like" beside numbers that claim the test split is
  unseen;
- `confidently_wrong`: up to `CONFIDENTLY_WRONG` **test** images the reported model got wrong, most
  confident first, from the probabilities of the one test look (no second look).
- `label_suspects`: the label-noise stage's first `LABEL_SUSPECTS` suspects (any split) as images, with
  the label given and the one suggested.

Thumbnails are the model pixels (`workers.images.thumbnails`), each with its original file name.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from workers.data.dataset import Dataset
from workers.data.images.image_set import ImageSet
from workers.images.thumbnails import png_data_uri

SAMPLES_PER_CLASS = 8
# Past this many classes a grid of every class's samples is a wall of pixels: the first are shown, and the
# pages say how many there are in all.
SAMPLE_CLASSES = 50
CONFIDENTLY_WRONG = 12
LABEL_SUSPECTS = 12  # of the label-noise stage's suspects, shown as images (the CSV lists them all)
UNREADABLE_LISTED = 50


def _number(value: float) -> int | float:
    """An int when the value is whole (a median of sizes usually is), so the JSON reads 32, not 32.0."""
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _spread(values: np.ndarray) -> dict[str, int | float] | None:
    if len(values) == 0:
        return None
    return {
        "min": int(np.min(values)),
        "median": _number(float(np.median(values))),
        "max": int(np.max(values)),
    }


def _counts(values: list[str]) -> dict[str, int]:
    """Each value's count, most common first (ties by name, so the JSON is stable)."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def image_summary(images: ImageSet) -> dict[str, Any]:
    """What was read: the count, the model input (channels × size × size), the sizes, modes and formats as
    the files had them, and the files left out as unreadable."""
    geometry = images.geometry
    return {
        "count": len(images),
        "channels": geometry.channels,
        "model_size": geometry.size,
        "width": _spread(np.asarray(images.widths)),
        "height": _spread(np.asarray(images.heights)),
        "modes": _counts(list(images.modes)),
        "formats": _counts(list(images.formats)),
        "unreadable_count": len(images.unreadable),
        "unreadable": [
            {"name": str(item.get("name", "")), "reason": str(item.get("reason", ""))}
            for item in images.unreadable[:UNREADABLE_LISTED]
        ],
    }


def _thumbnail(images: ImageSet, row: int) -> dict[str, str]:
    return {"name": images.names[row], "src": png_data_uri(images.pixels[row])}


def class_samples(
    dataset: Dataset, train_rows: np.ndarray, per_class: int = SAMPLES_PER_CLASS
) -> list[dict[str, Any]]:
    """Up to `per_class` training images of each class (the first `SAMPLE_CLASSES` classes), spread evenly
    over the class's training rows so that a folder sorted by date or source shows its whole range."""
    images = dataset.images
    if images is None:
        return []
    rows = np.sort(np.asarray(train_rows, dtype=np.int64))
    labels = dataset.y[rows]
    samples = []
    for k, name in enumerate(dataset.classes[:SAMPLE_CLASSES]):
        members = rows[labels == k]
        if len(members) == 0:
            continue
        picked = members[
            np.unique(np.linspace(0, len(members) - 1, min(per_class, len(members))).astype(int))
        ]
        samples.append({"class": name, "images": [_thumbnail(images, int(row)) for row in picked]})
    return samples


def predictions(proba: np.ndarray, threshold: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's predicted class and the probability the model gave it. A binary model predicts the
    positive class when its score reaches the threshold chosen on validation (as its test metrics do); a
    multiclass one, the most probable class."""
    if proba.shape[1] == 2 and threshold is not None:
        predicted = (proba[:, 1] >= threshold).astype(np.int64)
    else:
        predicted = np.argmax(proba, axis=1).astype(np.int64)
    return predicted, proba[np.arange(len(proba)), predicted]


def confidently_wrong(
    dataset: Dataset,
    test_rows: np.ndarray,
    proba: np.ndarray,
    threshold: float | None,
    limit: int = CONFIDENTLY_WRONG,
) -> tuple[list[dict[str, Any]], int]:
    """The test images predicted wrong, most confident first (at most `limit`), and how many were wrong.
    `proba[i]` is the model's probabilities for `test_rows[i]`, as the test look computed them."""
    images = dataset.images
    rows = np.asarray(test_rows, dtype=np.int64)
    if images is None or len(rows) != len(proba):
        return [], 0
    predicted, confidence = predictions(np.asarray(proba, dtype=np.float64), threshold)
    wrong = np.flatnonzero(predicted != dataset.y[rows])
    # Most confident first; ties in file order, so the list is the same on every run.
    order = wrong[np.lexsort((rows[wrong], -confidence[wrong]))][:limit]
    listed = [
        {
            "name": images.names[int(rows[i])],
            "true": dataset.classes[int(dataset.y[rows[i]])],
            "predicted": dataset.classes[int(predicted[i])],
            "confidence": round(float(confidence[i]), 4),
            "src": png_data_uri(images.pixels[int(rows[i])]),
        }
        for i in order
    ]
    return listed, len(wrong)


def suspect_images(
    dataset: Dataset, suspects: list[dict[str, Any]], limit: int = LABEL_SUSPECTS
) -> list[dict[str, Any]]:
    """The label-noise stage's suspects (`label_noise.suspects`, most likely mislabelled first) as images:
    a row number means nothing to someone with a folder of photos, a file name and a thumbnail do."""
    images = dataset.images
    if images is None:
        return []
    shown = []
    for suspect in suspects[:limit]:
        row = suspect.get("row")
        if not isinstance(row, int) or not 0 <= row < len(images):
            continue
        shown.append(
            {
                **{key: suspect.get(key) for key in ("split", "given", "suggested", "self_confidence")},
                **_thumbnail(images, row),
            }
        )
    return shown


def images_section(
    dataset: Dataset,
    *,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    proba: np.ndarray | None,
    threshold: float | None,
    model: str | None,
    role: str | None,
    label_suspects: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The report's `images` section, or None for a table. `proba` are the test-look probabilities of
    `model` (the shipped or compared one, `role` "baseline" or "deep"); without them (an assessment
    resumed from an older test look) the confidently-wrong grid is left out."""
    images = dataset.images
    if images is None:
        return None
    section: dict[str, Any] = {
        "summary": image_summary(images),
        "samples": class_samples(dataset, train_rows),
    }
    if proba is not None and model is not None:
        wrong, n_wrong = confidently_wrong(dataset, test_rows, proba, threshold)
        section.update(
            {
                "confidently_wrong": wrong,
                "confidently_wrong_model": model,
                "confidently_wrong_role": role,
                "test_wrong": n_wrong,
                "test_count": len(test_rows),
            }
        )
    if label_suspects:
        section["label_suspects"] = suspect_images(dataset, label_suspects)
    return section
