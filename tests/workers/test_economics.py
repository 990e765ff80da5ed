"""The payoff in money, computed: the threshold that maximises expected value on validation, the bootstrap
interval of expected value per 1,000 decisions (and of the paired difference), the break-even cost ratio,
and how amounts read."""

from __future__ import annotations

import numpy as np
import pytest

from workers.assessment.economics_section import economics_section
from workers.evaluation.economics import (
    Money,
    bootstrap_ev,
    break_even_ratio,
    ev_threshold,
    outcomes,
)
from workers.money import format_money, format_money_interval
from workers.rubric.questionnaire import PayoffAnswers

Y = np.array([1, 1, 0, 1, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.1])


def test_the_threshold_maximises_expected_value_on_a_worked_example() -> None:
    # Cost ratio 4 / 10 = 0.4: TP − 0.4·FP over the cut-offs 0.9, 0.8, 0.7, 0.6, 0.3, 0.1 is
    # 1, 2, 1.6, 2.6, 2.2, 1.8 — the best acts on the top four rows, one of them a false alarm.
    choice = ev_threshold(Y, SCORES, Money(value_tp=10.0, cost_fp=4.0, cost_fn=0.0))
    assert choice.threshold == 0.6 and not choice.acts_on_none
    assert choice.validation_ev == pytest.approx((3 * 10 - 1 * 4) / 6)
    # A dearer false alarm (ratio 1.1) no longer pays for the third positive: 2 at 0.8 beats 1.9 at 0.6.
    assert ev_threshold(Y, SCORES, Money(value_tp=10.0, cost_fp=11.0, cost_fn=0.0)).threshold == 0.8
    # A missed positive's cost counts like lost value: value 4 + cost 6 is the ratio 0.4 again.
    assert ev_threshold(Y, SCORES, Money(value_tp=4.0, cost_fp=4.0, cost_fn=6.0)).threshold == 0.6


def test_acting_on_no_row_wins_when_every_alarm_costs_more_than_it_finds() -> None:
    choice = ev_threshold(
        np.array([0, 1]), np.array([0.9, 0.5]), Money(value_tp=1.0, cost_fp=100.0, cost_fn=0.0)
    )
    assert choice.acts_on_none
    assert choice.threshold > 0.9  # above every validation score: acts on none of them
    assert choice.validation_ev == 0.0


def test_on_calibrated_scores_the_threshold_lands_at_the_cost_ratio_point() -> None:
    # With calibrated probabilities p, acting pays when p·(value + cost_FN) > (1 − p)·cost_FP, i.e. above
    # p* = cost_FP / (cost_FP + value + cost_FN) = 1 / (1 + 1 + 2) = 0.25.
    rng = np.random.default_rng(7)
    p = rng.uniform(size=200_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    choice = ev_threshold(y, p, Money(value_tp=1.0, cost_fp=1.0, cost_fn=2.0))
    assert abs(choice.threshold - 0.25) < 0.03


def test_the_expected_value_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    # Two decision rules on the same rows, as joint outcomes (baseline, deep) with known probabilities:
    # the truth of each rule's EV and of their difference is known, so coverage can be counted.
    money = Money(value_tp=50.0, cost_fp=10.0, cost_fn=30.0)
    gains = money.gains()
    patterns = [(a, b) for a in range(4) for b in range(4)]
    probs = np.array([0.40, 0.05, 0.0, 0.0, 0.04, 0.10, 0.0, 0.0, 0.0, 0.0, 0.08, 0.04, 0.0, 0.0, 0.05, 0.24])
    probs /= probs.sum()
    truth_base = 1000 * sum(pr * gains[a] for pr, (a, _) in zip(probs, patterns, strict=True))
    truth_deep = 1000 * sum(pr * gains[b] for pr, (_, b) in zip(probs, patterns, strict=True))
    rng = np.random.default_rng(11)
    runs, covered_base, covered_delta = 300, 0, 0
    for run in range(runs):
        drawn = rng.choice(len(patterns), size=400, p=probs)
        codes = np.array([patterns[k] for k in drawn])
        sample = bootstrap_ev(codes, money, n_resamples=500, seed=run)
        _, low, high = sample.interval(0)
        covered_base += low <= truth_base <= high
        _, low, high = sample.interval(np.array([-1.0, 1.0]))
        covered_delta += low <= truth_deep - truth_base <= high
    assert 0.90 <= covered_base / runs <= 0.98
    assert 0.90 <= covered_delta / runs <= 0.98


def test_the_bootstrap_resamples_rows_the_same_way_for_every_model() -> None:
    money = Money(value_tp=1.0, cost_fp=1.0, cost_fn=1.0)
    codes = np.column_stack([outcomes(Y, SCORES >= 0.6), outcomes(Y, SCORES >= 0.6)])
    sample = bootstrap_ev(codes, money, n_resamples=200, seed=0)
    # Identical rules: every paired resample's difference is exactly 0, and so is its interval.
    assert sample.interval(np.array([-1.0, 1.0])) == (0.0, 0.0, 0.0)
    assert sample.point[0] == pytest.approx(1000 * (3 - 1) / 6)
    assert np.array_equal(sample.resamples, bootstrap_ev(codes, money, n_resamples=200, seed=0).resamples)


def test_break_even_is_always_for_a_perfect_ranker_and_never_for_a_copy() -> None:
    rng = np.random.default_rng(3)
    y_val, y_test = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
    random_val, random_test = rng.uniform(size=400), rng.uniform(size=400)
    perfect = break_even_ratio(
        y_val, random_val, y_val * 0.5 + 0.25, y_test, random_test, y_test * 0.5 + 0.25, 0.1
    )
    assert perfect == (None, "always")
    copy = break_even_ratio(y_val, random_val, random_val, y_test, random_test, random_test, 0.1)
    assert copy == (None, "never")


def test_break_even_finds_where_the_deep_model_starts_to_pay() -> None:
    # The deep model ranks the top better (it pays when false alarms are dear: a high ratio, few rows acted
    # on) but buries a third of the positives at the bottom (the baseline pays when acting on nearly all).
    rng = np.random.default_rng(5)
    n = 4000
    y_val, y_test = rng.integers(0, 2, n), rng.integers(0, 2, n)

    def scores(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base = y * 0.6 + rng.normal(0, 0.5, y.size)
        buried = (y == 1) & (rng.uniform(size=y.size) < 0.3)
        deep = np.where(buried, -5.0, y * 3.0 + rng.normal(0, 0.5, y.size))
        return base, deep

    base_val, deep_val = scores(y_val)
    base_test, deep_test = scores(y_test)
    ratio, pays = break_even_ratio(y_val, base_val, deep_val, y_test, base_test, deep_test, 1.0)
    assert pays == "above"
    assert ratio is not None and 0.001 < ratio < 1.0


def test_the_section_has_an_interval_for_every_model_and_the_paired_yearly_difference() -> None:
    rng = np.random.default_rng(1)
    y_val, y_test = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    val = {"XGBoost": y_val + rng.normal(0, 0.8, 600), "ResNet MLP": y_val + rng.normal(0, 0.6, 600)}
    test = {"XGBoost": y_test + rng.normal(0, 0.8, 600), "ResNet MLP": y_test + rng.normal(0, 0.6, 600)}
    payoff = PayoffAnswers(
        value_true_positive=100.0,
        cost_false_positive=20.0,
        cost_false_negative=50.0,
        currency="EUR",
        decisions_per_year=50_000.0,
    )
    section = economics_section(
        payoff,
        is_binary=True,
        y_val=y_val,
        val_scores=val,
        y_test=y_test,
        test_scores=test,
        best_baseline="XGBoost",
        deep="ResNet MLP",
        n_resamples=300,
        seed=0,
    )
    assert [m["name"] for m in section["models"]] == ["XGBoost", "ResNet MLP"]
    for model in section["models"]:
        ev = model["expected_value_per_1000"]
        assert ev["ci_low"] < ev["value"] < ev["ci_high"]
    delta, yearly = section["delta_expected_value_per_1000"], section["yearly_delta"]
    assert yearly == pytest.approx({key: value * 50 for key, value in delta.items()})
    assert section["cost_ratio"] == pytest.approx(20 / 150)
    assert "EUR a year" in section["sentence"] and "XGBoost" in section["sentence"]


def test_without_the_answers_or_with_more_classes_the_section_is_a_note() -> None:
    empty = np.zeros(0)
    common = {
        "y_val": empty,
        "val_scores": {},
        "y_test": empty,
        "test_scores": {},
        "best_baseline": "XGBoost",
        "deep": None,
        "n_resamples": 10,
        "seed": 0,
    }
    note = economics_section(PayoffAnswers(cost_false_positive=5.0), is_binary=True, **common)
    assert set(note) == {"note"}
    assert "payoff.value_true_positive" in note["note"] and "payoff.cost_false_negative" in note["note"]
    assert "payoff.cost_false_positive" not in note["note"]  # answered
    full = PayoffAnswers(value_true_positive=1.0, cost_false_positive=1.0, cost_false_negative=1.0)
    multiclass = economics_section(full, is_binary=False, **common)
    assert set(multiclass) == {"note"} and "two classes" in multiclass["note"]


def test_amounts_read_as_money_is_quoted() -> None:
    assert format_money(12_431.7, "EUR") == "12,400 EUR"
    assert format_money(-1_250, "$") == "−$1,250"
    assert format_money_interval({"value": 12_400, "ci_low": 3_100, "ci_high": 21_800}, "EUR") == (
        "12,400 [3,100, 21,800] EUR"
    )
    assert format_money_interval({"value": 5.5, "ci_low": None, "ci_high": 7}, None) == "5.50"
