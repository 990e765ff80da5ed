"""The report's `economics` section: the payoff in money, computed inside the test look (no extra look).

Each model's threshold is chosen on validation to maximise expected value at the team's costs
(`workers.evaluation.economics`), then applied once to the test rows the look already scores: expected value
per 1,000 decisions with a 95% row-bootstrap interval for every model, the deep model's ΔEV over the best
baseline with a paired interval, the yearly figure, and the break-even cost ratio. Without the answers, or
for a multiclass target, the section is only a note saying why (and which answers would give one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workers.evaluation.economics import (
    PER,
    Money,
    bootstrap_ev,
    break_even_ratio,
    ev_threshold,
    outcomes,
)
from workers.money import format_money, format_money_interval
from workers.numbers import format_count
from workers.rubric.evidence import model_label
from workers.rubric.questionnaire import PayoffAnswers

MONEY_QUESTIONS = ("value_true_positive", "cost_false_positive", "cost_false_negative")
METHOD = (
    "Threshold per model chosen on validation to maximise expected value; test rows resampled with replacement "
    "(percentile interval, the same resamples for every model)"
)


def money_of(payoff: PayoffAnswers) -> Money | None:
    """The per-decision money the answers give, or None while any of the three is unanswered."""
    tp, fp, fn = payoff.value_true_positive, payoff.cost_false_positive, payoff.cost_false_negative
    if tp is None or fp is None or fn is None:
        return None
    return Money(value_tp=float(tp), cost_fp=float(fp), cost_fn=float(fn))


def missing_note(payoff: PayoffAnswers) -> str:
    """Why there is no money section, naming the answers that would give one."""
    missing = [f"payoff.{name}" for name in MONEY_QUESTIONS if getattr(payoff, name) is None]
    return (
        f"No payoff in money: answer {_listed(missing)} (per decision, in your currency; "
        "payoff.decisions_per_year adds the yearly figure) to get expected values per 1,000 decisions."
    )


def economics_section(
    payoff: PayoffAnswers,
    *,
    is_binary: bool,
    y_val: np.ndarray,
    val_scores: dict[str, np.ndarray],
    y_test: np.ndarray,
    test_scores: dict[str, np.ndarray],
    best_baseline: str,
    deep: str | None,
    n_resamples: int,
    seed: int,
) -> dict[str, Any]:
    """The section, JSON-ready. Scores are the positive class's probability by model name (validation and
    test, the same models in both); `deep` is None when the deep model was skipped or failed."""
    money = money_of(payoff)
    if money is None:
        return {"note": missing_note(payoff)}
    if not is_binary:
        return {
            "note": "No payoff in money: expected value per decision is computed for two classes (a positive "
            "to act on); with more classes the money of each kind of mistake would be a matrix."
        }
    # Every model scored on both splits (a deep model whose validation scores were not kept has no threshold).
    names = [name for name in test_scores if name in val_scores]
    chosen = {name: ev_threshold(y_val, val_scores[name], money) for name in names}
    codes = np.column_stack([outcomes(y_test, test_scores[n] >= chosen[n].threshold) for n in names])
    sample = bootstrap_ev(codes, money, n_resamples=n_resamples, seed=seed)
    currency, per_year = payoff.currency, payoff.decisions_per_year
    section: dict[str, Any] = {
        "currency": currency,
        "decisions_per_year": per_year,
        "value_true_positive": money.value_tp,
        "cost_false_positive": money.cost_fp,
        "cost_false_negative": money.cost_fn,
        "cost_ratio": money.cost_ratio if np.isfinite(money.cost_ratio) else None,
        "per_decisions": PER,
        "models": [
            {
                "name": name,
                "threshold": chosen[name].threshold,
                "acts_on_none": chosen[name].acts_on_none,
                "validation_expected_value_per_1000": PER * chosen[name].validation_ev,
                "expected_value_per_1000": _interval(sample.interval(k)),
            }
            for k, name in enumerate(names)
        ],
        "best_baseline": best_baseline,
        "deep": deep,
        "delta_expected_value_per_1000": None,
        "yearly_delta": None,
        "break_even_cost_ratio": None,
        "deep_pays": None,
        "method": METHOD,
        "n_resamples": n_resamples,
    }
    if deep is not None and deep in names and best_baseline in names:
        weights = np.zeros(len(names))
        weights[names.index(deep)], weights[names.index(best_baseline)] = 1.0, -1.0
        delta = _interval(sample.interval(weights))
        section["delta_expected_value_per_1000"] = delta
        if per_year is not None:
            section["yearly_delta"] = {key: value * per_year / PER for key, value in delta.items()}
        ratio, pays = break_even_ratio(
            y_val,
            val_scores[best_baseline],
            val_scores[deep],
            y_test,
            test_scores[best_baseline],
            test_scores[deep],
            money.cost_ratio,
        )
        section["break_even_cost_ratio"], section["deep_pays"] = ratio, pays
    section["sentence"] = economics_sentence(section)
    return section


def economics_sentence(section: dict[str, Any]) -> str:
    """The section in words: the deep model's worth against the best baseline (a year, when the answers give
    decisions per year), and where it starts to pay; without a deep model, the best baseline's EV."""
    currency = section.get("currency")
    base = model_label(section.get("best_baseline"))
    delta, yearly = section.get("delta_expected_value_per_1000"), section.get("yearly_delta")
    if delta is None:
        entry = next(
            (m for m in section.get("models", []) if m.get("name") == section.get("best_baseline")), None
        )
        if entry is None:
            return ""
        return (
            f"At your costs {base} is worth {format_money_interval(entry['expected_value_per_1000'], currency)} "
            f"per {format_count(PER)} decisions on test; there is no deep model to compare it with."
        )
    if yearly is not None:
        at = f" at {format_count(section.get('decisions_per_year'))} decisions a year"
        text = f"The deep model is {worth(yearly, currency, 'a year', base)}{at}"
    else:
        text = f"The deep model is {worth(delta, currency, f'per {format_count(PER)} decisions', base)}"
    return f"{text}. {break_even_words(section)}"


def worth(interval: dict[str, Any], currency: str | None, span: str, base: str) -> str:
    """ "worth 12,400 [3,100, 21,800] EUR a year more than XGBoost", or "… less than …" for a loss."""
    value = interval.get("value")
    if isinstance(value, int | float) and value < 0:
        return (
            f"worth {format_money(-value, currency)} {span} less than {base} "
            f"(difference {format_money_interval(interval, currency)})"
        )
    return f"worth {format_money_interval(interval, currency)} {span} more than {base}"


def break_even_words(section: dict[str, Any]) -> str:
    """Where the deep model starts to pay, in terms of the cost ratio (defined in the sentence)."""
    ratio, pays, yours = (
        section.get("break_even_cost_ratio"),
        section.get("deep_pays"),
        section.get("cost_ratio"),
    )
    defined = "the cost ratio (a false positive's cost over a missed positive's value plus cost)"
    mine = f"; yours is {yours:.3g}" if isinstance(yours, int | float) else ""
    if pays == "always":
        return f"It pays at every {defined} from 0.001 to 1000{mine}."
    if pays == "never":
        return f"It pays at no {defined} from 0.001 to 1000{mine}."
    if ratio is None:
        return ""
    side = "below" if pays == "below" else "above"
    return f"It starts to pay when {defined} is {side} {ratio:.3g}{mine}."


def _interval(triple: tuple[float, float, float]) -> dict[str, float]:
    value, low, high = triple
    return {"value": value, "ci_low": low, "ci_high": high}


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
