"""How Readiness writes numbers for people: a table of cases per formatter."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from workers.numbers import (
    DASH,
    as_number,
    format_ci,
    format_count,
    format_delta,
    format_interval,
    format_loss,
    format_lr,
    format_metric,
    format_p,
    format_p_clause,
    format_p_compact,
    format_percent,
    format_seconds,
    format_target,
)

NAN, INF = float("nan"), float("inf")
NOT_NUMBERS = [None, NAN, INF, -INF, "0.5", True]


@pytest.mark.parametrize(
    ("value", "number"),
    [(0.5, 0.5), (3, 3.0), (np.float32(0.25), 0.25), (np.int64(7), 7.0), *((v, None) for v in NOT_NUMBERS)],
)
def test_as_number(value: object, number: float | None) -> None:
    assert as_number(value) == number


# The p-value clauses keep their words around the dash ("p = —"): see the p-value table.
FORMATTERS: list[Callable[[object], str]] = [
    format_metric,
    format_ci,
    format_target,
    format_p,
    format_delta,
    format_percent,
    format_seconds,
    format_count,
    format_loss,
    format_lr,
]


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("formatter", FORMATTERS, ids=lambda f: f.__name__)
def test_what_is_not_a_number_is_the_dash(formatter: Callable[[object], str], value: object) -> None:
    assert formatter(value) == DASH


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.912, "0.912"), (0.9, "0.900"), (0.91249, "0.912"), (0.9996, "1.000"), (1, "1.000"), (0, "0.000")],
)
def test_metric_has_three_decimals(value: float, text: str) -> None:
    assert format_metric(value) == text


@pytest.mark.parametrize(
    ("metric", "text"),
    [
        ({"value": 0.912, "ci_low": 0.897, "ci_high": 0.925}, "0.912 [0.897, 0.925]"),
        ({"value": 0.8421, "ci_low": 0.81, "ci_high": 0.87}, "0.842 [0.810, 0.870]"),
        ({"value": 0.9, "ci_low": None, "ci_high": 0.95}, "0.900"),
        ({"value": 0.9, "ci_low": 0.85, "ci_high": NAN}, "0.900"),
        ({"value": 0.9}, "0.900"),
        ({"value": None, "ci_low": 0.85, "ci_high": 0.95}, DASH),
        ({}, DASH),
        (0.75, "0.750"),
    ],
)
def test_ci(metric: object, text: str) -> None:
    assert format_ci(metric) == text


def test_ci_over_two_lines_for_narrow_terminal_columns() -> None:
    metric = {"value": 0.912, "ci_low": 0.897, "ci_high": 0.925}
    assert format_ci(metric, separator="\n") == "0.912\n[0.897, 0.925]"
    assert format_ci({"value": 0.912}, separator="\n") == "0.912"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((0.912, 0.897, 0.925), "0.912 [0.897, 0.925]"),
        ((0.912, None, None), "0.912"),
        ((None, 0.897, 0.925), DASH),
        ((NAN, 0.897, 0.925), DASH),
    ],
)
def test_interval(args: tuple[object, object, object], text: str) -> None:
    assert format_interval(*args) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.9, "0.90"), (0.875, "0.875"), (0.8, "0.80"), (1, "1.00"), (0.95, "0.95"), (0.8754, "0.875")],
)
def test_target_reads_as_people_write_it(value: float, text: str) -> None:
    assert format_target(value) == text


@pytest.mark.parametrize(
    ("p", "table", "compact_number", "clause", "compact"),
    [
        (0.0004, "<0.001", "<0.001", "p < 0.001", "p<0.001"),
        (0.0, "<0.001", "<0.001", "p < 0.001", "p<0.001"),
        (0.001, "0.00100", "0.001", "p = 0.00100", "p=0.001"),
        (0.002, "0.00200", "0.002", "p = 0.00200", "p=0.002"),
        (0.05, "0.0500", "0.05", "p = 0.0500", "p=0.05"),
        (0.2142, "0.214", "0.214", "p = 0.214", "p=0.214"),
        (0.61, "0.610", "0.61", "p = 0.610", "p=0.61"),
        (0.99951, "1.00", "1", "p = 1.00", "p=1"),
        (1.0, "1.00", "1", "p = 1.00", "p=1"),
        (None, DASH, DASH, f"p = {DASH}", f"p={DASH}"),
        (NAN, DASH, DASH, f"p = {DASH}", f"p={DASH}"),
    ],
)
def test_p_values_in_tables_report_prose_and_sentences(
    p: float | None, table: str, compact_number: str, clause: str, compact: str
) -> None:
    assert format_p(p) == table
    assert format_p(p, trailing_zeros=False) == compact_number
    assert format_p_clause(p) == clause
    assert format_p_compact(p) == compact


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.031, "+0.031"),
        (-0.004, "\u2212" + "0.004"),
        (0, "+0.000"),
        (0.0305, "+0.030"),  # 0.0305 is stored just below itself
        (-0.0004, "\u2212" + "0.000"),  # rounds to zero but keeps the sign it had
        (np.float32(-0.25), "\u2212" + "0.250"),
    ],
)
def test_delta_has_a_sign_and_a_true_minus(value: float, text: str) -> None:
    assert format_delta(value) == text
    assert "-" not in format_delta(value)


@pytest.mark.parametrize(
    ("fraction", "text"), [(0.2041, "20.4%"), (0, "0.0%"), (1, "100.0%"), (0.00049, "0.0%"), (-0.5, "-50.0%")]
)
def test_percent(fraction: float, text: str) -> None:
    assert format_percent(fraction) == text


@pytest.mark.parametrize(("seconds", "text"), [(131.94, "131.9 s"), (0, "0.0 s"), (0.06, "0.1 s")])
def test_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0"),
        (569, "569"),
        (1000, "1,000"),
        (1234567, "1,234,567"),
        (12.6, "13"),
        (np.int64(20000), "20,000"),
    ],
)
def test_count_has_thousands_separators(count: float, text: str) -> None:
    assert format_count(count) == text


@pytest.mark.parametrize(
    ("loss", "text"), [(0.693147, "0.693"), (0.003, "0.00300"), (12.0, "12.0"), (0, "0.00")]
)
def test_loss_keeps_three_significant_digits(loss: float, text: str) -> None:
    assert format_loss(loss) == text


@pytest.mark.parametrize(
    ("lr", "text"), [(0.001, "0.001"), (3.16e-4, "0.00032"), (1e-5, "1e-05"), (0.1, "0.1")]
)
def test_learning_rate_has_two_significant_digits(lr: float, text: str) -> None:
    assert format_lr(lr) == text
