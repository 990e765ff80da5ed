"""How Readiness writes numbers for people: the HTML report, the terminal, and the verdict's sentences.

Every formatter takes anything and never raises: a value that is not a finite number (None, NaN, text,
a bool) is shown as `DASH`, because a report of a half-finished assessment is exactly when people read
one. Where a place calls for its own form, the form has its own name or keyword:

- p-values keep trailing zeros in tables and report prose, so digits line up ("0.0500", "p = 0.0500");
  the verdict's sentences and the terminal drop them ("p=0.05", "0.05");
- a metric has 3 decimals ("0.900"), a target as people write it ("0.90");
- the terminal splits a confidence interval over two lines with `separator="\\n"`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

DASH = "—"  # shown for a value that is missing or not a number
MINUS = (
    "\u2212"  # a true minus sign, as wide as the plus: the sign of a difference matters as much as its size
)
P_FLOOR = 0.001  # smaller p-values are shown as "<0.001": three significant digits of nothing but noise


def as_number(v: object) -> float | None:
    """`v` as a finite float, or None for anything that is not one (None, NaN, text, bools)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def format_metric(v: object) -> str:
    """An AUC-like value with 3 decimals: 0.912."""
    x = as_number(v)
    return DASH if x is None else f"{x:.3f}"


def format_interval(value: object, low: object, high: object, *, separator: str = " ") -> str:
    """A value with its confidence interval, "0.912 [0.897, 0.925]"; the value alone if a bound is missing."""
    text = format_metric(value)
    lo, hi = as_number(low), as_number(high)
    if text == DASH or lo is None or hi is None:
        return text
    return f"{text}{separator}[{lo:.3f}, {hi:.3f}]"


def format_ci(metric: object, *, separator: str = " ") -> str:
    """A metric dict `{value, ci_low, ci_high}` as "0.912 [0.897, 0.925]"; a bare number as "0.912"."""
    if not isinstance(metric, Mapping):
        return format_metric(metric)
    return format_interval(
        metric.get("value"), metric.get("ci_low"), metric.get("ci_high"), separator=separator
    )


def format_target(v: object) -> str:
    """A target as people write it: 0.9 -> "0.90", 0.875 -> "0.875"."""
    x = as_number(v)
    if x is None:
        return DASH
    text = f"{x:.3f}".rstrip("0")
    return text + "0" * max(0, 2 - len(text.split(".")[1]))


def format_p(p: object, *, trailing_zeros: bool = True) -> str:
    """A p-value with 3 significant digits, or "<0.001" below that.

    With `trailing_zeros` (tables) 0.05 reads "0.0500", so a column of p-values lines up; without, "0.05".
    """
    x = as_number(p)
    if x is None:
        return DASH
    if x < P_FLOOR:
        return f"<{P_FLOOR}"
    return f"{x:#.3g}" if trailing_zeros else f"{x:.3g}"


def format_p_clause(p: object) -> str:
    """ "p = 0.214", or "p < 0.001" rather than the awkward "p = <0.001"."""
    text = format_p(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def format_p_compact(p: object) -> str:
    """`p=0.002`, `p=0.61`, `p<0.001`: the form in a verdict's sentence, without trailing zeros."""
    text = format_p(p, trailing_zeros=False)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def format_delta(v: object) -> str:
    """A signed metric difference, "+0.031" or "−0.004", with a true minus sign."""
    x = as_number(v)
    return DASH if x is None else f"{x:+.3f}".replace("-", MINUS)


def format_percent(fraction: object) -> str:
    """A fraction 0–1 as a percentage with 1 decimal: 0.2041 -> "20.4%"."""
    x = as_number(fraction)
    return DASH if x is None else f"{100 * x:.1f}%"


def format_seconds(s: object) -> str:
    x = as_number(s)
    return DASH if x is None else f"{x:.1f} s"


def format_count(v: object) -> str:
    """A count with thousands separators: 12345 -> "12,345"."""
    x = as_number(v)
    return DASH if x is None else f"{x:,.0f}"


def format_loss(v: object) -> str:
    # Losses span decades (0.7 at the start of an overfit check, 0.003 at its end): significant digits.
    x = as_number(v)
    return DASH if x is None else f"{x:#.3g}"


def format_lr(v: object) -> str:
    x = as_number(v)
    return DASH if x is None else f"{x:.2g}"
