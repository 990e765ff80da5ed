"""Suggestions from history: sentences about similar past datasets, with counts and magnitudes."""

from __future__ import annotations

from typing import Any

import pytest

from workers.history import NO_HISTORY, DatasetShape, dataset_shape, history_summary, size_bucket

CURRENT = DatasetShape(rows=5_000, n_features=20, categorical_share=0.3)


def past(name: str, rows: int, base: float, deep: float | None, **shape: Any) -> dict[str, Any]:
    return {
        "dataset_name": name,
        "rows": rows,
        "n_features": shape.get("n_features", 20),
        "categorical_share": shape.get("categorical_share", 0.3),
        "best_baseline": shape.get("best_baseline", "XGBoost"),
        "best_baseline_roc_auc": base,
        "deep_roc_auc": deep,
    }


def test_no_history_says_so() -> None:
    summary = history_summary(CURRENT, [])
    assert summary.sentences == [NO_HISTORY] == ["No past assessments in this journal yet."]
    assert summary.similar == []
    assert summary.model_dump(mode="json")["current"] == {
        "rows": 5_000,
        "n_features": 20,
        "categorical_share": 0.3,
    }


def test_counts_wins_and_the_largest_margin_among_datasets_of_the_same_size() -> None:
    records = [
        past("a", 2_000, 0.800, 0.803),
        past("b", 3_000, 0.900, 0.904),
        past("c", 4_000, 0.850, 0.840),
        past("d", 6_000, 0.700, 0.690),
        past("e", 7_000, 0.750, 0.745),
        past("f", 8_000, 0.950, 0.949),
        past("g", 9_000, 0.820, 0.800),
        past("big", 50_000, 0.800, 0.900),  # another order of magnitude: not counted
    ]
    summary = history_summary(CURRENT, records)
    first = summary.sentences[0]
    assert first == (
        "On the 7 past datasets of 1k–10k rows, the deep model beat the best baseline twice, "
        "by at most 0.004 AUC."
    )
    assert summary.sentences[1].startswith("All of them also have a similar number of feature columns (7–60)")
    assert "XGBoost was the best baseline on 7 of them." in summary.sentences
    assert [s.dataset_name for s in summary.similar] == list("abcdefg")
    assert summary.similar[0].delta_roc_auc == pytest.approx(0.003)


def test_shape_narrows_the_size_bucket() -> None:
    records = [
        past("narrow", 2_000, 0.80, 0.81, n_features=19),
        past("wide", 3_000, 0.80, 0.85, n_features=200),  # ten times as many columns
        past("categorical", 4_000, 0.80, 0.79, categorical_share=0.9),
    ]
    summary = history_summary(CURRENT, records)
    assert [s.dataset_name for s in summary.similar] == ["narrow"]
    assert summary.sentences[0].endswith("beat the best baseline twice, by at most 0.050 AUC.")
    assert summary.sentences[1] == (
        "On the one of them that also has a similar number of feature columns (7–60) and share of "
        "categorical columns (5.0%–55.0%), the deep model beat the best baseline once, by 0.010 AUC."
    )


def test_never_beaten_and_missing_deep_results_are_said() -> None:
    records = [
        past("a", 500, 0.80, 0.79),
        past("b", 600, 0.80, 0.795),
        past("c", 700, 0.80, None),
    ]
    sentences = history_summary(DatasetShape(800, 20, 0.3), records).sentences
    assert sentences[0] == (
        "On the 3 past datasets under 1k rows, the deep model never beat the best baseline in 2 comparisons "
        "(at best 0.005 AUC behind; 1 had no deep-model result)."
    )


def test_no_dataset_of_this_size_falls_back_to_the_whole_journal() -> None:
    records = [past("a", 200_000, 0.80, 0.83), past("b", 300_000, 0.80, 0.79)]
    sentences = history_summary(CURRENT, records).sentences
    assert sentences == [
        "None of the 2 past assessments in this journal is of a dataset of 1k–10k rows; across all of them, "
        "the deep model beat the best baseline once, by 0.030 AUC."
    ]


def test_unfinished_records_are_ignored() -> None:
    records = [past("a", 2_000, 0.80, 0.81), {"dataset_name": "half", "rows": 2_000}]
    summary = history_summary(CURRENT, records)
    assert summary.sentences[0].startswith("On the 1 past dataset of 1k–10k rows")


@pytest.mark.parametrize(
    ("rows", "bucket"),
    [
        (999, "under 1k rows"),
        (1_000, "of 1k–10k rows"),
        (99_999, "of 10k–100k rows"),
        (10**6, "of 100k rows or more"),
    ],
)
def test_size_buckets_are_orders_of_magnitude(rows: int, bucket: str) -> None:
    assert size_bucket(rows) == bucket


def test_the_shape_counts_used_columns_and_treats_yes_no_as_numbers() -> None:
    dataset = {
        "rows": 1_234,
        "used_columns": ["age", "plan", "region", "active"],
        "column_profiles": [
            {"name": "customer_id", "kind": "id"},
            {"name": "age", "kind": "numeric"},
            {"name": "plan", "kind": "categorical"},
            {"name": "region", "kind": "categorical"},
            {"name": "active", "kind": "boolean"},
        ],
    }
    assert dataset_shape(dataset) == DatasetShape(rows=1_234, n_features=4, categorical_share=0.5)
