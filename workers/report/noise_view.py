"""The report's `label_noise` section as the HTML report and the dashboard show it: the estimated share of
wrong labels with its interval, the ceiling it puts on any model, and the top suspects (the full capped
list is the CSV download, `workers.report.noise_csv`)."""

from __future__ import annotations

from typing import Any

from workers.numbers import format_count, format_metric, format_percent
from workers.report.model import LabelNoise, present

# Suspects listed on the page; the rest are in the CSV.
SHOWN_SUSPECTS = 10


def rate_text(noise: LabelNoise) -> str:
    """`1.0% [0.2%, 2.0%]`."""
    return f"{format_percent(noise.estimated_rate)} [{format_percent(noise.ci_low)}, {format_percent(noise.ci_high)}]"


def label_noise_view(noise: LabelNoise | None) -> dict[str, Any] | None:
    """What the page shows of the section, or None when the report has none."""
    noise = present(noise)
    if noise is None:
        return None
    ceiling = noise.ceiling
    shown = [
        {
            "row": s.row,
            "split": s.split or "",
            "given": s.given,
            "suggested": s.suggested,
            "self_confidence": format_metric(s.self_confidence),
        }
        for s in noise.suspects[:SHOWN_SUSPECTS]
    ]
    listed = len(noise.suspects)
    return {
        "rate": rate_text(noise),
        "high": bool(noise.high),
        "sentence": noise.sentence or "",
        "method": noise.method or "",
        "n_examined": format_count(noise.n_examined),
        "n_suspects": noise.n_suspects if noise.n_suspects is not None else listed,
        "listed": listed,
        "shown": shown,
        "ceiling_accuracy": format_percent(ceiling.accuracy) if ceiling else None,
        "ceiling_roc_auc": format_metric(ceiling.roc_auc) if ceiling else None,
        "ceiling_formula": ceiling.formula if ceiling else None,
        "ceiling_assumption": ceiling.assumption if ceiling else None,
        "row_numbers": noise.row_numbers or "",
    }
