"""The report's "Payoff in money" section as the HTML report and the dashboard show it (one view for both,
so they never disagree on an amount): a row per model with its validation-chosen threshold and its expected
value per 1,000 decisions on test, then the deep model's difference, the yearly figure and the sentence.
A report whose section is only a note (answers missing, multiclass) shows the note; an older report without
the section shows nothing.
"""

from __future__ import annotations

from typing import Any

from workers.money import format_money, format_money_interval
from workers.numbers import format_count, format_metric
from workers.report.model import Economics, present


def economics_view(economics: Economics | None) -> dict[str, Any] | None:
    """Rows, the difference and the sentence, all as display text; None when the report has no section."""
    section = present(economics)
    if section is None:
        return None
    if not section.models:
        return {"note": section.note, "rows": [], "delta": None, "yearly": None, "sentence": None}
    currency = section.currency
    rows = [
        {
            "name": model.name,
            "best_baseline": model.name == section.best_baseline,
            "deep": model.name == section.deep,
            "threshold": "acts on no row" if model.acts_on_none else format_metric(model.threshold),
            "expected_value": format_money_interval(model.expected_value_per_1000, currency),
        }
        for model in section.models
    ]
    delta, yearly = present(section.delta_expected_value_per_1000), present(section.yearly_delta)
    return {
        "note": section.note,
        "rows": rows,
        "delta": format_money_interval(delta, currency) if delta else None,
        "yearly": format_money_interval(yearly, currency) if yearly else None,
        "decisions_per_year": format_count(section.decisions_per_year)
        if section.decisions_per_year
        else None,
        "money": (
            f"a true positive is worth {format_money(section.value_true_positive, currency)}, a false positive "
            f"costs {format_money(section.cost_false_positive, currency)} and a false negative "
            f"{format_money(section.cost_false_negative, currency)}"
        ),
        "sentence": section.sentence,
        "method": section.method,
    }
