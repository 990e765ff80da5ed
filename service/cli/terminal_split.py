"""The split line of `readiness assess`: which split was made, by which column, each part's time range and
why (issue 12, item 4), in the words of the HTML report."""

from __future__ import annotations

from rich.text import Text

from workers.report.model import SplitSection
from workers.report.split_view import split_extras


def split_text(split: SplitSection | None) -> Text | None:
    """The line "Split: in time order …, by date; train 2023-01-01 – 2023-07-18, …" and the note, or None."""
    view = split_extras(split)
    if split is None or not view["method_words"]:
        return None
    ranges = ", ".join(f"{part} {span}" for part, span in view["ranges"].items())
    line = Text("Split: ", style="bold")
    line.append(view["method_words"] + (f"; {ranges}" if ranges else "") + ".")
    if view["note"]:
        line.append(" " + view["note"], style="yellow" if split.method == "stratified_random" else "dim")
    return line
