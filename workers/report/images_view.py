"""The report's `images` section as the HTML report, the dashboard and the terminal show it.

One line says what was read ("1,797 images, 32×32 grey (from 8×8 PNG), 10 classes; 0 unreadable"); the
pages add the facts, a grid of training samples per class and a grid of the test images the reported model
got most confidently wrong (true → predicted, confidence). Every thumbnail is a PNG `data:` URI; a `src`
that is anything else (a stored report edited by hand) is dropped here, so no page ever fetches an image.
"""

from __future__ import annotations

from typing import Any

from workers.images.thumbnails import DATA_URI_PREFIX
from workers.numbers import DASH, as_number, format_count, format_percent
from workers.report.model import (
    DatasetSection,
    ImagesSection,
    ImageSummary,
    Spread,
    SuspectImage,
    Thumbnail,
    WrongImage,
    present,
)

# How many times the model pixels are scaled up on the pages (pixelated): 32 px images shown at 64 CSS px.
THUMBNAIL_SCALE = 2
ROLE_WORDS = {"baseline": "the shipped baseline", "deep": "the compared deep model"}


def _size(spread: Spread | None) -> str:
    if spread is None:
        return DASH
    low, high = as_number(spread.min), as_number(spread.max)
    if low is None or high is None:
        return DASH
    return f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"


def source_sizes(summary: ImageSummary) -> str:
    """The sizes the files had: "8×8" when all alike, else the ranges, "120–640 × 80–480"."""
    width, height = _size(summary.width), _size(summary.height)
    if "–" in width or "–" in height:
        return f"{width} × {height}"
    return f"{width}×{height}"


def model_input(summary: ImageSummary) -> str:
    """What the models see: "32×32 grey" or "32×32 colour"."""
    size = summary.model_size
    colour = {1: "grey", 3: "colour"}.get(summary.channels or 0, f"{summary.channels} channels")
    return f"{size}×{size} {colour}" if size else colour


def images_line(images: ImagesSection | None, dataset: DatasetSection | None) -> str | None:
    """The line that says what was read, or None without the section: "1,797 images, 32×32 grey (from 8×8
    PNG), 10 classes; 0 unreadable"."""
    images = present(images)
    summary = present(images.summary) if images else None
    if summary is None:
        return None
    formats = "/".join(summary.formats)
    origin = " ".join(part for part in (source_sizes(summary), formats) if part and part != DASH)
    classes = len(dataset.classes) if dataset is not None else 0
    text = f"{format_count(summary.count)} images, {model_input(summary)}"
    text += f" (from {origin})" if origin else ""
    text += f", {classes} classes" if classes else ""
    return f"{text}; {format_count(summary.unreadable_count or 0)} unreadable"


def _src(thumbnail: Thumbnail | WrongImage | SuspectImage) -> str | None:
    src = thumbnail.src
    return src if isinstance(src, str) and src.startswith(DATA_URI_PREFIX) else None


def wrong_caption(images: ImagesSection) -> str:
    """Whose mistakes the grid shows and how many there were, in a sentence."""
    model = images.confidently_wrong_model or "the model"
    role = ROLE_WORDS.get(images.confidently_wrong_role or "")
    who = f"{model} ({role})" if role else model
    shown = len(images.confidently_wrong)
    text = f"The test images {who} got most confidently wrong"
    if images.test_wrong is not None and images.test_count:
        text += f": {shown} of its {format_count(images.test_wrong)} mistakes on {format_count(images.test_count)} test images"
    return text + ", most confident first."


def images_view(images: ImagesSection | None, dataset: DatasetSection | None) -> dict[str, Any] | None:
    """What the pages show of an image dataset, or None for a table's report (and reports before images)."""
    images = present(images)
    if images is None:
        return None
    summary = present(images.summary) or ImageSummary()
    size = (summary.model_size or 32) * THUMBNAIL_SCALE
    samples = [
        {
            "class": str(group.class_name),
            "images": [{"name": t.name or "", "src": src} for t in group.images if (src := _src(t))],
        }
        for group in images.samples
    ]
    wrong = [
        {
            "name": w.name or "",
            "src": src,
            "true": str(w.true),
            "predicted": str(w.predicted),
            "confidence": format_percent(w.confidence),
        }
        for w in images.confidently_wrong
        if (src := _src(w))
    ]
    suspects = [
        {
            "name": s.name or "",
            "src": src,
            "split": s.split or "",
            "given": str(s.given),
            "suggested": str(s.suggested),
            "self_confidence": format_percent(s.self_confidence),
        }
        for s in images.label_suspects
        if (src := _src(s))
    ]
    unreadable = [{"name": u.name or "", "reason": u.reason or ""} for u in summary.unreadable]
    unreadable_count = summary.unreadable_count or len(unreadable)
    return {
        "line": images_line(images, dataset),
        "model_input": model_input(summary),
        "facts": [
            ("Images", format_count(summary.count)),
            ("Models see", model_input(summary)),
            ("Sizes as read", f"{source_sizes(summary)} px"),
            ("Modes", _counted(summary.modes)),
            ("Formats", _counted(summary.formats)),
            ("Unreadable, left out", format_count(unreadable_count)),
        ],
        "unreadable": unreadable,
        "unreadable_more": max(0, unreadable_count - len(unreadable)),
        "samples": [group for group in samples if group["images"]],
        "samples_note": _samples_note(len(samples), dataset),
        "wrong": wrong,
        "wrong_caption": wrong_caption(images) if wrong else None,
        # Compared but nothing wrong on the test split: say so rather than show an empty grid.
        "none_wrong": not wrong and images.test_wrong == 0,
        "suspects": suspects,
        "size": size,
    }


def _samples_note(shown: int, dataset: DatasetSection | None) -> str | None:
    """The note under the samples when the report left classes out of the grid: "Samples of the first 50
    of 120 classes."."""
    classes = len(dataset.classes) if dataset is not None else 0
    return f"Samples of the first {shown} of {classes} classes." if shown and classes > shown else None


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {format_count(n)}" for name, n in counts.items()) or DASH
