"""The dashboard's assessment page says which deep model was compared and why, and its live page keeps one
loss curve per deep model (the ResNet-MLP trains first, then TabM, each from epoch 1)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.settings import Settings
from tests.dashboard.browsing import new_key, project_with_assessment, sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "workers" / "fixtures"
REASON = "ResNet MLP has the best validation ROC-AUC of the deep models (0.9900; TabM 0.9800)"


def _report_with_two_deep_models() -> dict:
    """A stored report (made before TabM) with the `deep` section an assessment now writes."""
    report = json.loads((FIXTURES / "report_binary.json").read_text())
    report["deep"] = {
        "chosen_family": "deep",
        "chosen": "ResNet MLP",
        "chosen_because": REASON + ": it is the one compared with the baselines.",
        "selected_on": "validation",
        "metric": "roc_auc",
        "candidates": [
            {
                "family": "deep",
                "name": "ResNet MLP",
                "status": "ok",
                "val_roc_auc": 0.99,
                "fit_seconds": 2.5,
                "device": "cpu",
                "profile": None,
                "time_budget_s": None,
                "chosen": True,
            },
            {
                "family": "tabm",
                "name": "TabM",
                "status": "ok",
                "val_roc_auc": 0.98,
                "fit_seconds": 1.5,
                "device": "cpu",
                "profile": "cpu",
                "time_budget_s": 15.0,
                "chosen": False,
            },
        ],
    }
    return report


def test_the_assessment_page_names_the_deep_model_compared_and_each_candidate(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    report = _report_with_two_deep_models()
    _, assessment_id = project_with_assessment(engine, settings, "team-a", status="succeeded", report=report)
    sign_in(app_client, new_key(engine, "team-a"))
    html = app_client.get(f"/assessments/{assessment_id}").text
    assert "Deep model compared: ResNet MLP, chosen from 2 deep models on validation" in html
    assert REASON in html
    assert 'data-deep-model="TabM"' in html and "CPU profile, 15 s budget" in html


def test_a_live_epoch_says_which_deep_model_it_is_of(
    app_client: TestClient, engine: Engine, settings: Settings
) -> None:
    detail = {
        "epoch": 3,
        "train_loss": 0.2,
        "val_loss": 0.3,
        "val_roc_auc": 0.9,
        "max_epochs": 200,
        "model": "TabM",
    }
    _, assessment_id = project_with_assessment(
        engine, settings, "team-a", status="running", stage="deep_model", progress=0.7, progress_detail=detail
    )
    sign_in(app_client, new_key(engine, "team-a"))
    state = app_client.get(f"/assessments/{assessment_id}/progress").json()
    assert state["epoch"]["model"] == "TabM" and state["epoch"]["epoch"] == 3
