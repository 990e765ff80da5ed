"""The report's "What to do next" section, as the HTML report, the dashboard and the terminal show it.

One view for the three readers, so the heading that names the model to ship and the numbered steps read the
same everywhere (the first step after any data fix carries the shipped model's numbers). A report written
before the section existed (or stored empty) shows nothing.
"""

from __future__ import annotations

from typing import Any

from workers.report.model import RecommendationSection, present


def recommendation_view(section: RecommendationSection | None) -> dict[str, Any] | None:
    """`{"heading": "ship XGBoost", "ship_label", "steps": [(number, sentence)]}`; None when absent."""
    recommendation = present(section)
    if recommendation is None:
        return None
    ship = present(recommendation.ship)
    label = ship.label if ship is not None else None
    return {
        "heading": f"ship {label}" if label else "ship no model yet",
        "ship_label": label,
        "steps": list(enumerate(recommendation.next_steps, start=1)),
    }


def steps_text(view: dict[str, Any]) -> str:
    """The steps as numbered plain-text lines (the terminal's)."""
    return "\n".join(f"{number}. {step}" for number, step in view["steps"])
