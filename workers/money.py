"""How amounts of money read in the report, the verdict and the terminal: "12,400 EUR", "$12,400",
"−1,250 [−3,100, 600] EUR". Like `workers.numbers`, every formatter takes anything and never raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from workers.numbers import DASH, MINUS, as_number

# A currency written as a symbol goes before the amount ($12,400); a code or a word after it (12,400 EUR).
MAX_SYMBOL_CHARS = 2


def format_amount(v: object) -> str:
    """An amount without its currency to 3 significant digits, as money is quoted ("12,400", "713", "1.23"):
    thousands separated, never in scientific notation, with a true minus sign."""
    x = as_number(v)
    if x is None:
        return DASH
    size = float(f"{abs(x):.3g}")  # an interval's ends are not known to more than this
    if size == 0.0:
        return "0"
    text = f"{size:,.0f}" if size >= 100 else f"{size:,.1f}" if size >= 10 else f"{size:,.2f}"
    # A value that rounds to zero is not signed: "−0.00" would claim a loss nobody can see.
    return f"{MINUS}{text}" if x < 0 and text.strip("0.,") else text


def _is_symbol(currency: str) -> bool:
    return len(currency) <= MAX_SYMBOL_CHARS and not currency.isalpha()


def format_money(v: object, currency: str | None = None) -> str:
    """An amount in the team's currency: "12,400 EUR", "$12,400", "12,400" without a currency."""
    text = format_amount(v)
    if not currency or text == DASH:
        return text
    if _is_symbol(currency):
        sign = MINUS if text.startswith(MINUS) else ""
        return f"{sign}{currency}{text.removeprefix(MINUS)}"
    return f"{text} {currency}"


def format_money_interval(interval: object, currency: str | None = None) -> str:
    """`{value, ci_low, ci_high}` (a mapping or an object with those attributes) as
    "12,400 [3,100, 21,800] EUR"; the value alone when a bound is missing."""
    get = interval.get if isinstance(interval, Mapping) else lambda key: getattr(interval, key, None)
    value, low, high = get("value"), get("ci_low"), get("ci_high")
    if as_number(low) is None or as_number(high) is None:
        return format_money(value, currency)
    bounds = f"[{format_amount(low)}, {format_amount(high)}]"
    if currency and _is_symbol(currency):
        return f"{format_money(value, currency)} {bounds}"
    unit = f" {currency}" if currency else ""
    return f"{format_amount(value)} {bounds}{unit}"
