"""An image dataset in the terminal report: one line for what was read, and the few test images the
reported model got most confidently wrong, by file name (the HTML report shows them)."""

from __future__ import annotations

from rich.text import Text

from workers.numbers import format_count, format_percent
from workers.report.images_view import ROLE_WORDS, images_line
from workers.report.model import Report, present

TERMINAL_WRONG = 5  # the HTML report shows up to 12, as pictures


def images_text(report: Report) -> Text | None:
    """The images line, or None for a table: "Images: 1,797 images, 32×32 grey (from 8×8 PNG), 10 classes;
    0 unreadable"."""
    line = images_line(report.images, present(report.dataset))
    if line is None:
        return None
    return Text.assemble(("Images: ", "bold"), line)


def confidently_wrong_text(report: Report) -> Text | None:
    """The `TERMINAL_WRONG` test images the reported model got most confidently wrong, one a line:
    "  3/1118.png: 3 → other (94.7%)"; None for a table or when nothing was wrong."""
    images = present(report.images)
    if images is None or not images.confidently_wrong:
        return None
    role = ROLE_WORDS.get(images.confidently_wrong_role or "")
    who = (images.confidently_wrong_model or "the model") + (f", {role}" if role else "")
    counted = ""
    if images.test_wrong is not None and images.test_count:
        counted = f"; {format_count(images.test_wrong)} wrong of {format_count(images.test_count)}"
    text = Text(f"Most confidently wrong test images ({who}{counted}):", style="bold")
    for wrong in images.confidently_wrong[:TERMINAL_WRONG]:
        text.append(
            f"\n  {wrong.name}: {wrong.true} → {wrong.predicted} ({format_percent(wrong.confidence)})"
        )
    text.append("\n  All of them as pictures: the HTML report's Images section.", style="dim")
    return text


def suspects_text(report: Report) -> Text | None:
    """The label-noise suspects of an image dataset by file name (the panel above numbers them by row):
    "Labels most likely wrong: 3/0011.png (3 → other?), …"; None for a table or without suspects."""
    images = present(report.images)
    if images is None or not images.label_suspects:
        return None
    shown = images.label_suspects[:TERMINAL_WRONG]
    listed = ", ".join(f"{s.name} ({s.given} → {s.suggested}?)" for s in shown)
    more = " …" if len(images.label_suspects) > len(shown) else ""
    return Text(f"Labels most likely wrong: {listed}{more}")
