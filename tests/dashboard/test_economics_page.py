"""The dashboard asks the payoff-in-money questions (and marks an impossible answer beside its field), and its
assessment page shows the payoff in money as the HTML report does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, project_with_assessment, sign_in
from workers.assessment.economics_section import economics_section
from workers.report.html import render_html
from workers.rubric.questionnaire import PayoffAnswers

FIXTURES = Path(__file__).resolve().parents[1] / "workers" / "fixtures"


def _report_with_money() -> dict[str, Any]:
    """The stored binary fixture with an `economics` section computed from seeded scores of its four models."""
    report = json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8"))
    names = [m["name"] for m in report["models"]]
    rng = np.random.default_rng(4)
    y_val, y_test = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    noise = {name: 0.5 + 0.1 * k for k, name in enumerate(names)}
    report["economics"] = economics_section(
        PayoffAnswers(
            value_true_positive=1000.0,
            cost_false_positive=400.0,
            cost_false_negative=3000.0,
            currency="EUR",
            decisions_per_year=20_000.0,
        ),
        is_binary=True,
        y_val=y_val,
        val_scores={n: y_val + rng.normal(0, s, 300) for n, s in noise.items()},
        y_test=y_test,
        test_scores={n: y_test + rng.normal(0, s, 300) for n, s in noise.items()},
        best_baseline=report["comparison"]["best_baseline"],
        deep=report["comparison"]["deep"],
        n_resamples=200,
        seed=0,
    )
    return report


def test_the_assessment_page_shows_the_payoff_in_money(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = _report_with_money()
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))

    page = app_client.get(f"/assessments/{assessment_id}").text
    assert 'href="#economics"' in page and "Payoff in money" in page
    assert "a true positive is worth 1,000 EUR, a false positive costs 400 EUR" in page
    for model in report["economics"]["models"]:
        assert model["name"] in page.split('id="economics"', 1)[1]
    # The same words as the downloadable report: one view builds both.
    sentence = report["economics"]["sentence"]
    assert "EUR a year" in sentence
    html_sentence = sentence.replace("'", "&#39;")
    assert html_sentence in page and html_sentence in render_html(report)


def test_the_questionnaire_form_asks_for_the_money_and_refuses_a_negative_count(
    app_client: TestClient, engine: Engine
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    form = app_client.get("/projects/new").text
    for name in (
        "value_true_positive",
        "cost_false_positive",
        "cost_false_negative",
        "currency",
        "decisions_per_year",
    ):
        assert f'name="payoff.{name}"' in form
    assert "What does one false alarm (a false positive) cost?" in form

    refused = app_client.post(
        "/projects/new",
        data={"csrf_token": csrf_token(app_client), "name": "money", "payoff.decisions_per_year": "-20"},
    )
    assert refused.status_code == 400
    assert "must be more than 0" in refused.text

    money = {"value_true_positive": "1,000", "cost_false_positive": "400", "cost_false_negative": "3000"}
    created = app_client.post(
        "/projects/new",
        data={
            "csrf_token": csrf_token(app_client),
            "name": "money",
            **{f"payoff.{name}": text for name, text in money.items()},
            "payoff.currency": "EUR",
            "payoff.decisions_per_year": "20000",
        },
    )
    assert created.status_code == 303, created.text
    page = app_client.get(created.headers["location"]).text
    # The stored answers fill the project's form again: the currency as typed, the amounts as numbers.
    assert re.search(r'name="payoff.currency"[^>]*>EUR</textarea>', page)
    assert re.search(r'name="payoff.value_true_positive"[^>]*value="1000"', page)
    assert re.search(r'name="payoff.decisions_per_year"[^>]*value="20000"', page)
