"""The label suspects of a report as CSV: one row per suspect, most likely mislabelled first, with the row
number a team needs to find it in their file. Written by the API's download and `readiness assess
--label-suspects-out`, so both give the same bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from workers.report.model import Report, as_report

COLUMNS = ("row", "split", "given_label", "suggested_label", "self_confidence", "margin")


def suspects_csv(report: Report | Mapping[str, Any]) -> str | None:
    """The CSV text, or None when the report has no label-noise section (older reports)."""
    noise = as_report(report).label_noise
    if noise is None:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for s in noise.suspects:
        writer.writerow([s.row, s.split, s.given, s.suggested, s.self_confidence, s.margin])
    return out.getvalue()
