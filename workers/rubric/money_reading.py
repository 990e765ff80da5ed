"""What the payoff in money says, for the payoff criterion and the verdict: the deep model's worth against
the best baseline in the team's currency, and whether that agrees with the ROC-AUC reading.

Reads the report's `economics` section as `Evidence.economics` carries it (plain JSON); anything missing
reads as "no money evidence" rather than failing.
"""

from __future__ import annotations

from typing import Any, Literal

from workers.money import format_money, format_money_interval
from workers.numbers import as_number, format_count
from workers.rubric.evidence import Evidence, model_label

MoneyReading = Literal["pays", "costs", "unsettled"]


def delta_interval(ev: Evidence) -> dict[str, Any] | None:
    """ΔEV per 1,000 decisions (deep − best baseline) with its paired interval, or None."""
    delta = (ev.economics or {}).get("delta_expected_value_per_1000")
    if (
        not isinstance(delta, dict)
        or as_number(delta.get("ci_low")) is None
        or as_number(delta.get("ci_high")) is None
    ):
        return None
    return delta


def money_reading(ev: Evidence) -> MoneyReading | None:
    """`pays`: the whole ΔEV interval above 0; `costs`: at or below 0 (no gain in money); else `unsettled`."""
    delta = delta_interval(ev)
    if delta is None:
        return None
    if float(delta["ci_low"]) > 0.0:
        return "pays"
    if float(delta["ci_high"]) <= 0.0:
        return "costs"
    return "unsettled"


def money_worth(ev: Evidence) -> str | None:
    """ "the deep model is worth 12,400 [3,100, 21,800] EUR a year more than XGBoost" (per 1,000 decisions
    without decisions per year), or None without money evidence."""
    economics = ev.economics or {}
    delta = delta_interval(ev)
    if delta is None:
        return None
    currency = economics.get("currency")
    base = model_label(economics.get("best_baseline") or ev.best_baseline)
    yearly = economics.get("yearly_delta")
    interval, span = (
        (yearly, "a year") if isinstance(yearly, dict) else (delta, f"per {format_count(1000)} decisions")
    )
    value = as_number(interval.get("value"))
    if value is not None and value < 0:
        return (
            f"the deep model is worth {format_money(-value, currency)} {span} less than {base} "
            f"(difference {format_money_interval(interval, currency)})"
        )
    return f"the deep model is worth {format_money_interval(interval, currency)} {span} more than {base}"


def money_disagreement(ev: Evidence) -> str | None:
    """A plain sentence when the money and the ROC-AUC reading disagree, else None."""
    reading, outcome, worth = money_reading(ev), ev.comparison_outcome, money_worth(ev)
    if reading is None or worth is None:
        return None
    if outcome == "better" and reading == "costs":
        return (
            f"But the money disagrees: at your costs {worth}, an interval at or below 0 — the better ranking "
            "does not turn into money at the thresholds chosen on validation."
        )
    if outcome in ("equivalent", "worse") and reading == "pays":
        return (
            f"But the money disagrees: at your costs {worth}, an interval above 0 — weigh that gain against "
            "the cost of building and running the deep model."
        )
    return None


def money_sentence(ev: Evidence) -> str | None:
    """The verdict's sentence on money: the disagreement when there is one, else the worth."""
    disagreement = money_disagreement(ev)
    if disagreement is not None:
        return disagreement
    worth = money_worth(ev)
    if worth is None:
        return None
    # An interval across 0 is said as such: the point value alone would read as a promise.
    return (
        f"In money, {worth}, an interval that holds 0."
        if money_reading(ev) == "unsettled"
        else f"In money, {worth}."
    )


def value_threshold(ev: Evidence, model_name: str | None) -> str | None:
    """For the model the team ships, the threshold that maximises expected value at its costs and what it is
    worth: "at your costs, threshold 0.446 (chosen on validation) is worth 230,000 [88,500, 363,000] USD per
    1,000 decisions". None without money evidence for that model. The report's other threshold (max F1) is
    the one without costs; with them, this is the one to run the model at."""
    economics = ev.economics or {}
    row = next((m for m in economics.get("models") or [] if m.get("name") == model_name), None)
    threshold = as_number((row or {}).get("threshold"))
    value = (row or {}).get("expected_value_per_1000")
    if threshold is None or not isinstance(value, dict):
        return None
    return (
        f"at your costs, run it at threshold {threshold:.3f} (chosen on validation to maximise expected "
        f"value): {format_money_interval(value, economics.get('currency'))} per {format_count(1000)} decisions"
    )
