"""The assessment page of a multiclass report: each model's confusion matrix as a chart, its per-class
metrics with intervals, and the comparison under its real name (a paired bootstrap, not DeLong)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in
from workers.evaluation import evaluate_multiclass

FIXTURES = Path(__file__).resolve().parents[1] / "workers" / "fixtures"
CI = re.compile(r"^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$")


def _multiclass_report() -> dict[str, Any]:
    """The stored multiclass fixture, with per-class results computed on 600 seeded test rows and a deep
    model compared by a paired bootstrap."""
    report = json.loads((FIXTURES / "report_multiclass.json").read_text())
    classes = report["dataset"]["classes"]
    rng = np.random.default_rng(5)
    y = rng.choice(len(classes), size=600, p=[0.47, 0.34, 0.19])
    for i, model in enumerate(m for m in report["models"] if m.get("test")):
        proba = rng.dirichlet(np.ones(len(classes)), size=y.size)
        proba[np.arange(y.size), y] += 0.5 + 0.1 * i
        proba /= proba.sum(axis=1, keepdims=True)
        result = evaluate_multiclass(y, proba, n_resamples=200, seed=i, class_names=classes)
        model["test"].update({k: result[k] for k in ("confusion_matrix", "per_class", "per_class_method")})
    report["comparison"].update(deep="Random forest", delta_roc_auc=-0.012, delong_p_value=0.03)
    return report


def test_a_multiclass_assessment_shows_confusion_matrices_and_per_class_metrics(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = _multiclass_report()
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    html = app_client.get(f"/assessments/{assessment_id}").text

    section = html[html.index('<section id="per-class"') :]
    section = section[: section.index("</section>")]
    tested = [m for m in report["models"] if m.get("test")]
    assert re.findall(r'<details class="per-class" data-model="([^"]+)"', section) == [
        m["name"] for m in tested
    ]
    for model in tested:
        counts = model["test"]["confusion_matrix"]["counts"]
        svg = section[section.index(f"Confusion matrix, test split: {model['name']}") :]
        first = re.search(r'data-true="forest" data-predicted="forest" data-count="(\d+)"', svg)
        assert first and int(first.group(1)) == counts[0][0]
    cells = re.findall(r'<td class="num ci">([^<]*)</td>', section)
    assert len(cells) == 3 * 3 * len(tested) and all(CI.match(c) for c in cells), cells
    # The two compared models are open; the rest fold away.
    assert len(re.findall(r'<details class="per-class"[^>]* open>', section)) == 2

    line = html[html.index('<p class="comparison-line">') :]
    line = line[: line.index("</p>")]
    assert "paired bootstrap" in line and "DeLong" not in line
