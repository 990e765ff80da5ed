"""Multiclass assessments: the confusion matrix, per-class metrics with intervals, and the comparison's real
test name, in the JSON report, the HTML page and the terminal."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from benchmarks.per_class_coverage import coverage as per_class_coverage
from benchmarks.per_class_coverage import joint
from service.cli.terminal_report import render_report
from tests.factories import write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.evaluation import evaluate_multiclass
from workers.experiments.data import prepare_experiment_data
from workers.experiments.on_test_split import evaluate_on_test
from workers.experiments.run import run_experiment
from workers.report.charts import confusion_heatmap
from workers.report.html import render_html
from workers.report.model import Report

FIXTURES = Path(__file__).parent / "fixtures"
CLASSES = ["forest", "grassland", "water"]


def habitat_frame(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Three habitats told apart, imperfectly, by two measurements and a region; noise columns beside."""
    rng = np.random.default_rng(seed)
    label = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
    centres = np.array([[0.0, 0.0], [1.4, 0.3], [0.4, 1.6]])
    xy = centres[label] + rng.normal(scale=0.8, size=(n, 2))
    return pd.DataFrame(
        {
            "ndvi": xy[:, 0],
            "moisture": xy[:, 1],
            "region": rng.choice(["north", "south", "east"], size=n),
            "noise": rng.normal(size=n),
            "habitat": np.array(CLASSES)[label],
        }
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = AssessmentConfig(
        target="habitat",
        device="cpu",
        n_resamples=200,
        deep_params={"max_epochs": 4, "patience": 2},
        n_jobs=2,
        learning_curve=False,
    )
    path = write_csv(habitat_frame(), tmp_path_factory.mktemp("habitat"))
    return assess_file(path, config, InMemoryStore())


def _ok_models(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in report["models"] if m["status"] == "ok"]


def test_every_model_has_a_confusion_matrix_over_the_test_rows(report: dict[str, Any]) -> None:
    test_rows = report["split"]["sizes"]["test"]
    assert _ok_models(report)
    for model in _ok_models(report):
        matrix = model["test"]["confusion_matrix"]
        assert matrix["classes"] == CLASSES
        counts = np.array(matrix["counts"])
        assert counts.shape == (3, 3)
        assert counts.sum() == test_rows
        # Rows are the true classes: each row sums to that class's test rows.
        assert [row["support"] for row in model["test"]["per_class"]] == counts.sum(axis=1).tolist()


def test_per_class_metrics_have_intervals_around_them(report: dict[str, Any]) -> None:
    for model in _ok_models(report):
        per_class = model["test"]["per_class"]
        assert [row["name"] for row in per_class] == CLASSES
        for row in per_class:
            for metric in ("precision", "recall", "f1"):
                value = row[metric]
                assert 0.0 <= value["ci_low"] <= value["value"] <= value["ci_high"] <= 1.0
                assert value["ci_low"] < value["ci_high"]
        assert "Wilson" in model["test"]["per_class_method"]


def test_the_comparison_is_named_paired_bootstrap(report: dict[str, Any]) -> None:
    assert report["comparison"]["deep"] is not None
    assert report["comparison"]["test"] == "paired bootstrap"


def test_the_stored_report_loads_back_unchanged(report: dict[str, Any]) -> None:
    stored = json.loads(json.dumps(report))
    typed = Report.model_validate(stored)
    assert typed.models[0].test is not None and typed.models[0].test.confusion_matrix is not None
    assert typed.as_json() == stored


def test_html_shows_the_matrix_as_a_table_and_a_chart(report: dict[str, Any]) -> None:
    html = render_html(report)
    section = html[html.index('<section id="per-class"') :]
    section = section[: section.index("</section>")]
    best = report["comparison"]["best_baseline"]
    matrix = next(m for m in report["models"] if m["name"] == best)["test"]["confusion_matrix"]["counts"]
    # The heatmap: one cell per (true, predicted) pair, carrying its count.
    cells = re.findall(
        r'<rect class="cell" data-true="(\w+)" data-predicted="(\w+)" data-count="(\d+)"', section
    )
    assert len(cells) == 9 * len(_ok_models(report))
    assert ("water", "forest", str(matrix[2][0])) in cells
    assert "Confusion matrix, test split: " + best in section
    # The table: the diagonal's counts in bold, and the per-class metrics with intervals.
    assert f"<strong>{matrix[0][0]}</strong>" in section
    assert "Per-class metrics of " + best in section
    assert re.search(r"<code>grassland</code></th>\s*<td class=\"num\">\d+</td>", section)
    assert re.search(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]", section)
    assert '<a href="#per-class">Per-class results</a>' in html


def test_html_and_terminal_name_the_real_test(report: dict[str, Any]) -> None:
    html = render_html(report)
    comparison = html[html.index('<p class="delong">') :]
    comparison = comparison[: comparison.index("</p>")]
    assert "paired bootstrap" in comparison and "DeLong" not in comparison

    console = Console(width=100, record=True)
    render_report(console, report)
    text = console.export_text()
    assert "paired bootstrap p =" in text and "DeLong" not in text
    assert "Confusion matrix — " in text and "Per class — " in text
    assert re.search(r"water\s+\d+\s+\d+\s+\d+\s+\d+", text)  # a true class's row of counts and its total


def test_a_multiclass_report_without_a_stored_test_name_still_says_paired_bootstrap() -> None:
    stored = json.loads((FIXTURES / "report_multiclass.json").read_text())
    stored["comparison"].update(deep="ResNet MLP", delta_roc_auc=0.004, delong_p_value=0.41)
    del stored["comparison"]["test"]
    html = render_html(stored)
    assert "paired bootstrap" in html and "DeLong" not in html
    console = Console(width=100, record=True)
    render_report(console, stored)
    assert "paired bootstrap p = 0.41" in console.export_text()


def test_older_reports_without_per_class_results_render_without_the_section() -> None:
    multiclass = json.loads((FIXTURES / "report_multiclass.json").read_text())
    binary = json.loads((FIXTURES / "report_binary.json").read_text())
    for stored in (multiclass, binary):
        assert Report.model_validate(copy.deepcopy(stored)).as_json() == stored
        assert 'id="per-class"' not in render_html(stored)
    if binary["comparison"].get("deep"):
        assert "DeLong" in render_html(binary)


def test_confusion_and_per_class_values_are_scikit_learns() -> None:
    rng = np.random.default_rng(3)
    y = rng.choice(4, size=400, p=[0.4, 0.3, 0.2, 0.1])
    proba = rng.dirichlet(np.ones(4), size=400)
    proba[np.arange(400), y] += rng.uniform(0, 0.8, size=400)
    proba /= proba.sum(axis=1, keepdims=True)
    result = evaluate_multiclass(y, proba, n_resamples=200, seed=1, class_names=["a", "b", "c", "d"])
    predicted = proba.argmax(axis=1)
    assert result["confusion_matrix"]["counts"] == confusion_matrix(y, predicted, labels=range(4)).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=range(4), zero_division=0
    )
    rows = result["per_class"]
    np.testing.assert_allclose([r["precision"]["value"] for r in rows], precision)
    np.testing.assert_allclose([r["recall"]["value"] for r in rows], recall)
    np.testing.assert_allclose([r["f1"]["value"] for r in rows], f1)
    assert [r["support"] for r in rows] == support.tolist()


def test_a_perfectly_recalled_class_keeps_an_interval_below_one() -> None:
    # 40 rows of class 0, all predicted right: recall 1.000, but 40 rows cannot prove it is exactly 1.
    y = np.repeat([0, 1, 2], [40, 40, 40])
    proba = np.full((120, 3), 0.1)
    proba[np.arange(120), y] = 0.8
    proba[80:90] = [0.1, 0.8, 0.1]  # ten of class 2 called class 1
    result = evaluate_multiclass(y, proba, n_resamples=200, seed=0)
    recall = result["per_class"][0]["recall"]
    assert recall["value"] == 1.0 and recall["ci_high"] == 1.0
    assert 0.85 < recall["ci_low"] < 0.95  # Wilson at 40/40: 0.912
    assert result["confusion_matrix"]["classes"] == ["0", "1", "2"]
    # Class 0 is never missed and never wrongly predicted, so every bootstrap resample has F1 1.000: the
    # interval falls back to the F1 of the Wilson ends. Class 1 takes ten of class 2: a real bootstrap.
    f1 = result["per_class"][0]["f1"]
    assert f1["value"] == 1.0 and f1["ci_high"] == 1.0 and 0.85 < f1["ci_low"] < 0.95
    assert f1["method"] == "wilson_bound"
    assert result["per_class"][1]["f1"]["method"] == "bootstrap_bc"


def test_per_class_intervals_cover_the_truth_in_a_small_simulation() -> None:
    """150 seeded test splits of 300 rows from a known 3-class confusion distribution; the full grid is
    benchmarks/per_class_coverage.py (figures in the README)."""
    truth = joint((0.5, 0.3, 0.2), (0.9, 0.8, 0.7))
    coverage = per_class_coverage(truth, n=300, sims=150, seed=11)
    for metric, shares in coverage.items():
        # 150 splits x 3 classes = 450 intervals per metric: a binomial SE of about 1 point.
        assert 0.91 <= float(np.mean(shares)) <= 0.985, (metric, shares)


def test_long_class_names_are_cut_to_their_column_but_kept_whole_in_the_description() -> None:
    names = ["Adelie Penguin (Pygoscelis adeliae)", "Chinstrap penguin (Pygoscelis antarctica)", "Gentoo"]
    svg = confusion_heatmap(names, [[29, 0, 1], [0, 14, 0], [0, 0, 25]], title="Confusion matrix")
    labels = re.findall(r'<text x="[\d.]+" y="70\.0" text-anchor="middle" fill="#1a1a1a">([^<]*)</text>', svg)
    assert len(labels) == 3 and labels[2] == "Gentoo"
    assert all(label.endswith("…") and len(label) <= 16 for label in labels[:2]), labels
    description = svg[svg.index("<desc") : svg.index("</desc>")]
    assert all(name in description for name in names)
    assert "Chinstrap penguin (Pygoscelis antarctica): 14 of 14 predicted right" in description


def test_a_promoted_experiment_names_its_classes_on_the_test_split(tmp_path: Path) -> None:
    """A grid's promoted point looks at the test split through `evaluate_on_test`: same per-class results."""
    data = prepare_experiment_data(write_csv(habitat_frame(300), tmp_path), target="habitat", seed=3)
    result = run_experiment(data, "logistic_regression", seed=3, n_jobs=1)
    assert result.model is not None
    test = evaluate_on_test(data, result.model, threshold=None, n_resamples=100)
    assert test["confusion_matrix"]["classes"] == CLASSES
    assert np.array(test["confusion_matrix"]["counts"]).sum() == test["n"]
