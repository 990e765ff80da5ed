"""A whole assessment through the stage runner: the report contract, its numbers, resume and budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.runner import STAGE_NAMES, assess_file
from workers.assessment.store import InMemoryStore
from workers.data.loading import load_dataset
from workers.errors import AssessmentCancelled, TestBudgetExhausted
from workers.split import TEST, make_split

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAST_DEEP = {"max_epochs": 6, "patience": 3}


def _config(**overrides: Any) -> AssessmentConfig:
    settings: dict[str, Any] = {
        "target": "churned",
        "device": "cpu",
        "n_resamples": 200,
        "deep_params": FAST_DEEP,
        "n_jobs": 2,
        "learning_curve": False,  # on where a test is about it: six more fits per assessment
    }
    settings.update(overrides)
    return AssessmentConfig(**settings)


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(churn_frame(1500, seed=3), tmp_path_factory.mktemp("churn"))


@pytest.fixture(scope="module")
def finished(churn_csv: Path) -> tuple[dict[str, Any], InMemoryStore]:
    store = InMemoryStore()
    report = assess_file(churn_csv, _config(learning_curve=True), store)
    return report, store


def test_report_has_every_key_of_the_contract(finished: tuple[dict[str, Any], InMemoryStore]) -> None:
    report, _ = finished
    json.dumps(report)  # plain JSON all the way down
    assert {"rows", "columns", "sha256", "target", "positive_label", "positive_rate"} <= set(
        report["dataset"]
    )
    assert report["dataset"]["positive_label"] == "yes"
    for check in report["checks"]:
        assert {"check", "severity", "columns", "message"} <= set(check)
    assert report["split"]["stratified"] is True
    assert set(report["split"]["sizes"]) == {"train", "validation", "test"}
    criteria = report["readiness"]["criteria"]
    assert set(criteria) == {"dataset", "reuse", "feasibility", "payoff", "fault_tolerance"}
    assert {"overall", "verdict"} <= set(report["readiness"])
    names = [m["name"] for m in report["models"]]
    assert names == ["Logistic regression", "Random forest", "XGBoost", "ResNet MLP", "TabM"]
    assert report["deep"]["chosen"] == report["comparison"]["deep"] in ("ResNet MLP", "TabM")
    for model in report["models"]:
        assert model["family"] in ("baseline", "deep")
        for metric in ("roc_auc", "pr_auc", "precision", "recall", "f1"):
            value = model["test"][metric]
            assert value["ci_low"] <= value["value"] <= value["ci_high"]
        assert 0 <= model["test"]["threshold"] <= 1
    deep = report["models"][-1]["diagnostics"]
    assert {"lr_range_test", "overfit_check", "epochs", "best_epoch", "gradient_norms"} <= set(deep)
    assert deep["overfit_check"]["passed"] is True
    comparison = report["comparison"]
    assert {"best_baseline", "deep", "delta_roc_auc", "delong_p_value", "verdict", "summary"} <= set(
        comparison
    )
    assert 0 <= comparison["delong_p_value"] <= 1
    assert report["verdict"]["code"] == comparison["verdict"]
    assert report["test_budget"] == {"limit": 3, "used": 1}
    curves = report["learning_curves"]
    assert [m["name"] for m in curves["models"]] == [comparison["best_baseline"], comparison["deep"]]
    assert {"still_rising", "expected_gain_next_doubling"} <= set(curves["evidence"])
    assert {"current", "similar", "sentences", "rule"} <= set(report["history"])


def test_test_metrics_are_scikit_learns_on_the_test_rows(
    churn_csv: Path, finished: tuple[dict[str, Any], InMemoryStore]
) -> None:
    report, store = finished
    dataset = load_dataset(churn_csv, target="churned")
    rows = make_split(dataset).indices(TEST)
    assert report["split"]["sizes"]["test"] == len(rows) == 300
    frame = store.stages["baselines"].models[0].estimator  # logistic regression pipeline
    from workers.features import model_frame

    x_test = model_frame(dataset, report["dataset"]["used_columns"]).iloc[rows]
    expected = roc_auc_score(dataset.y[rows], frame.predict_proba(x_test)[:, 1])
    assert report["models"][0]["test"]["roc_auc"]["value"] == pytest.approx(expected, abs=1e-12)


def test_id_column_is_left_out_and_reported(finished: tuple[dict[str, Any], InMemoryStore]) -> None:
    report, _ = finished
    assert "customer_id" not in report["dataset"]["used_columns"]
    assert {"name": "customer_id", "reason": "id column"} in report["dataset"]["excluded_columns"]


def test_planted_leak_gives_fix_data_first(tmp_path: Path) -> None:
    frame = churn_frame(800, seed=4)
    frame["refund_amount"] = np.where(frame["churned"] == "yes", 25.0, 0.0) + np.random.default_rng(0).normal(
        0, 0.1, len(frame)
    )
    report = assess_file(write_csv(frame, tmp_path), _config(run_deep=False), InMemoryStore())
    assert "refund_amount" not in report["dataset"]["used_columns"]
    assert report["verdict"]["code"] == "fix_data_first"
    assert "refund_amount" in report["verdict"]["summary"]


def test_keep_column_brings_a_flagged_column_back(tmp_path: Path) -> None:
    frame = churn_frame(800, seed=4)
    frame["refund_amount"] = np.where(frame["churned"] == "yes", 25.0, 0.0)
    report = assess_file(
        write_csv(frame, tmp_path), _config(run_deep=False, keep_columns=("refund_amount",)), InMemoryStore()
    )
    assert "refund_amount" in report["dataset"]["used_columns"]
    assert report["models"][0]["test"]["roc_auc"]["value"] > 0.99


class CrashingStore(InMemoryStore):
    """Stops the process's work mid-training, as a killed worker would."""

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        super().progress(stage, fraction, detail)
        if stage == "deep_model" and detail and detail.get("epoch") == 2:
            raise KeyboardInterrupt("worker killed")


def test_a_retried_assessment_resumes_at_the_unfinished_stage(churn_csv: Path) -> None:
    config = _config(learning_curve=True)
    crashed = CrashingStore()
    with pytest.raises(KeyboardInterrupt):
        assess_file(churn_csv, config, crashed, key="job-1")
    assert set(crashed.stages) == {"profile", "split", "checks", "baselines"}
    retry = InMemoryStore(stages=dict(crashed.stages), looks=dict(crashed.looks))
    report = assess_file(churn_csv, config, retry, key="job-1")
    rerun = {stage for stage, fraction, _ in retry.events if fraction == 0.0}
    assert rerun == {"deep_model", "validation", "label_noise", "learning_curve", "test_look", "report"}
    assert report["test_budget"]["used"] == 1
    # Retrying a job that already finished does not spend the budget again.
    again = assess_file(churn_csv, config, retry, key="job-1")
    assert again == report and len(retry.looks) == 1


def test_the_test_budget_refuses_a_look_past_the_limit(churn_csv: Path) -> None:
    store = InMemoryStore()
    config = _config(run_deep=False, test_budget=2)
    for key in ("first", "second"):
        assess_file(churn_csv, config, InMemoryStore(looks=store.looks), key=key)
    with pytest.raises(TestBudgetExhausted, match="2 of 2"):
        assess_file(churn_csv, config, InMemoryStore(looks=store.looks), key="third")
    assert len(store.looks) == 2


def test_cancelled_assessment_stops(churn_csv: Path) -> None:
    store = InMemoryStore(cancelled=True)
    with pytest.raises(AssessmentCancelled):
        assess_file(churn_csv, _config(), store)
    assert store.stages == {}


def test_multiclass_assessment_on_real_data() -> None:
    config = AssessmentConfig(
        target="Species", device="cpu", n_resamples=200, deep_params=FAST_DEEP, n_jobs=2, learning_curve=False
    )
    report = assess_file(EXAMPLES / "penguins_raw.csv", config, InMemoryStore())
    assert (
        report["dataset"]["classes"] == sorted(report["dataset"]["classes"])
        and len(report["dataset"]["classes"]) == 3
    )
    assert report["comparison"]["test"] == "paired bootstrap"
    best = max(m["test"]["roc_auc"]["value"] for m in report["models"] if m["status"] == "ok")
    assert best > 0.95
    assert STAGE_NAMES[-1] == "report"
    assert (
        STAGE_NAMES.index("validation") < STAGE_NAMES.index("learning_curve") < STAGE_NAMES.index("test_look")
    )
