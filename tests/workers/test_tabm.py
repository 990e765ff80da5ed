"""TabM, the second deep family: it learns, predicts the mean of its members, takes its profile from the
device, stops at its time budget, and the assessment trains it beside the ResNet-MLP and compares the better
of the two on validation — which every reader of the report says."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from rich.console import Console
from sklearn.metrics import roc_auc_score

from service.cli.terminal_report import render_report
from tests.factories import churn_frame, write_csv
from workers.assessment.config import AssessmentConfig
from workers.assessment.model_stages import choose_deep
from workers.assessment.outputs import DeepCandidate, DeepOutput
from workers.assessment.runner import assess_file
from workers.assessment.store import InMemoryStore
from workers.deep.tabm_trainer import TabMClassifier
from workers.errors import InvalidOption
from workers.experiments.data import prepare_experiment_data
from workers.experiments.families import TABM, complete_hyperparameters
from workers.experiments.grid import default_grid, expand_grid
from workers.experiments.run import run_experiment
from workers.families import TABM_PROFILES, resolve_tabm_hyperparameters
from workers.report.html import render_html

TINY = {"k": 4, "n_blocks": 1, "d_block": 32, "batch_size": 64, "max_epochs": 30, "patience": 5}


def _separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


def test_tabm_learns_a_separable_set_and_predicts_the_mean_of_its_members() -> None:
    X, y = _separable(300, 0)
    X_val, y_val = _separable(200, 1)
    model = TabMClassifier(**TINY, device="cpu", random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    proba = model.predict_proba(X_val)
    assert roc_auc_score(y_val, proba[:, 1]) > 0.9  # chance is 0.5
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    # The prediction is the mean of the k members' probabilities, each member trained on its own loss.
    net = model.model_.net
    net.eval()
    with torch.inference_mode():
        members = torch.softmax(net(torch.as_tensor(X_val)), dim=-1).double().numpy()
    assert members.shape == (200, 4, 2)
    np.testing.assert_allclose(proba, members.mean(axis=1), atol=1e-5)
    diagnostics = model.diagnostics_
    assert diagnostics["overfit_check"]["passed"] is True and diagnostics["k"] == 4
    assert diagnostics["gradient_norms"]["layers"]  # the ensemble's linear layers are tracked
    json.dumps(diagnostics, allow_nan=False)


def test_piecewise_linear_embeddings_take_one_hot_and_constant_columns() -> None:
    X, y = _separable(200, 2)
    X[:, 4] = X[:, 4] > 0  # a one-hot column
    X[:, 5] = 1.0  # a constant one
    model = TabMClassifier(**{**TINY, "max_epochs": 3}, n_bins=8, device="cpu").fit(X, y, X_val=X, y_val=y)
    assert model.predict_proba(X).shape == (200, 2)
    assert not hasattr(model, "_bins_from")  # the training rows are not kept in the fitted model


def test_the_time_budget_stops_training_at_the_best_epoch_so_far() -> None:
    X, y = _separable(400, 3)
    model = TabMClassifier(**{**TINY, "max_epochs": 10_000, "patience": 10_000}, time_budget_s=0.3)
    model.set_params(device="cpu", overfit_check=False).fit(X, y, X_val=X[:100], y_val=y[:100])
    diagnostics = model.diagnostics_
    assert diagnostics["stop_reason"].startswith("time budget of 0.3 s reached")
    assert diagnostics["time_budget_s"] == 0.3 and len(diagnostics["epochs"]) < 10_000


def test_none_takes_the_devices_profile_and_a_given_value_wins() -> None:
    cpu = resolve_tabm_hyperparameters({}, "cpu")
    assert {name: cpu[name] for name in TABM_PROFILES["cpu"]} == {
        **TABM_PROFILES["cpu"],
        "n_bins": TABM_PROFILES["cpu"]["n_bins"],
    }
    gpu = resolve_tabm_hyperparameters({}, "cuda")
    assert (gpu["k"], gpu["n_blocks"], gpu["d_block"], gpu["batch_size"]) == (32, 3, 512, 256)  # the paper's
    assert gpu["lr"] == 2e-3 and gpu["weight_decay"] == 3e-4 and gpu["time_budget_s"] is None
    assert cpu["time_budget_s"] is not None and cpu["k"] < gpu["k"]
    assert resolve_tabm_hyperparameters({"k": 2, "n_bins": 0}, "cuda")["k"] == 2
    assert resolve_tabm_hyperparameters({"n_bins": 0}, "cpu")["n_bins"] is None  # 0: no embeddings
    assert resolve_tabm_hyperparameters({}, "cpu", n_rows=500)["n_bins"] == TABM_PROFILES["cpu"]["n_bins"]
    assert resolve_tabm_hyperparameters({}, "cpu", n_rows=60_000)["n_bins"] is None  # too slow per row there
    assert resolve_tabm_hyperparameters({"n_bins": 8}, "cpu", n_rows=60_000)["n_bins"] == 8
    with pytest.raises(InvalidOption, match="tabm hyperparameter k must be"):
        complete_hyperparameters(TABM, {"k": 0})


def test_a_grid_over_a_tabm_hyperparameter_trains_each_point(tmp_path: Path) -> None:
    data = prepare_experiment_data(write_csv(churn_frame(300, seed=4), tmp_path), target="churned", seed=3)
    points = expand_grid(TABM, {"k": [2, 4], "max_epochs": [3], "n_bins": [0]})
    assert [point["k"] for point in points] == [2, 4]
    results = [run_experiment(data, TABM, point, seed=1, device="cpu") for point in points]
    assert all(not r.failed and r.validation["roc_auc"] is not None for r in results)
    assert [r.details["profile"] for r in results] == ["cpu", "cpu"]
    assert [r.model.estimator[-1].k for r in results if r.model is not None] == [2, 4]
    assert default_grid(TABM)  # `readiness grid` and the forms offer a default grid for it too


def _candidate(name: str, auc: float | None, family: str = "deep") -> DeepCandidate:
    fitted: Any = object() if auc is not None else None
    return DeepCandidate(
        family=family, name=name, model=fitted, val_roc_auc=auc, error=None if fitted else "x"
    )


def test_the_deep_model_compared_is_the_best_on_validation_ties_to_the_first() -> None:
    better = choose_deep([_candidate("ResNet MLP", 0.90), _candidate("TabM", 0.93, TABM)])
    assert better.chosen_family == TABM and "TabM has the best validation ROC-AUC" in (
        better.chosen_because or ""
    )
    tie = choose_deep([_candidate("ResNet MLP", 0.90), _candidate("TabM", 0.90, TABM)])
    assert tie.chosen_family == "deep" and "tie" in (tie.chosen_because or "")
    failed = choose_deep([_candidate("ResNet MLP", 0.90), _candidate("TabM", None, TABM)])
    assert failed.chosen_family == "deep" and "TabM failed its overfit check" in (failed.chosen_because or "")
    none = choose_deep([_candidate("ResNet MLP", None), _candidate("TabM", None, TABM)])
    assert none.failed and none.error == "x"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path: Path = write_csv(churn_frame(500, seed=5), tmp_path_factory.mktemp("tabm"))
    config = AssessmentConfig(
        target="churned",
        device="cpu",
        n_resamples=50,
        n_jobs=2,
        learning_curve=False,
        deep_params={"max_epochs": 4, "patience": 2, "batch_size": 128},
    )
    return assess_file(path, config, InMemoryStore(), key="tabm")


def test_the_assessment_trains_both_deep_families_and_says_which_it_compared(report: dict[str, Any]) -> None:
    names = [m["name"] for m in report["models"]]
    assert "TabM" in names and "ResNet MLP" in names
    deep = report["deep"]
    chosen = deep["chosen"]
    assert chosen in ("TabM", "ResNet MLP") and report["comparison"]["deep"] == chosen
    assert [c["name"] for c in deep["candidates"]] == ["ResNet MLP", "TabM"]
    by_name = {c["name"]: c for c in deep["candidates"]}
    best = max(deep["candidates"], key=lambda c: c["val_roc_auc"])
    assert best["chosen"] and best["name"] == chosen and chosen in deep["chosen_because"]
    assert by_name["TabM"]["profile"] == "cpu" and by_name["TabM"]["time_budget_s"] is not None
    entry = next(m for m in report["models"] if m["name"] == chosen)
    assert entry["selected_as"] == "deep"
    assert entry["validation"]["roc_auc"] == pytest.approx(best["val_roc_auc"])
    tabm_entry = next(m for m in report["models"] if m["name"] == "TabM")
    assert tabm_entry["diagnostics"]["profile"] == "cpu" and tabm_entry["test"]["roc_auc"] is not None


def test_the_html_and_terminal_reports_name_the_deep_model_compared(report: dict[str, Any]) -> None:
    chosen = report["deep"]["chosen"]
    html = render_html(report)
    assert f"Deep model compared: {chosen}, chosen from 2 deep models on validation" in html
    assert "Deep models trained, on the validation split" in html and "CPU profile" in html
    assert f"Deep model diagnostics: {chosen}" in html
    console = Console(file=io.StringIO(), width=200, record=True)
    render_report(console, report)
    text = console.export_text()
    assert f"Deep model compared: {chosen}" in text and "TabM" in text and "← compared" in text


def test_a_report_from_before_tabm_shows_no_deep_choice(report: dict[str, Any]) -> None:
    older = {key: value for key, value in report.items() if key != "deep"}
    assert "Deep model compared" not in render_html(older)


def test_a_deep_output_pickled_before_tabm_reads_as_its_one_resnet_candidate() -> None:
    old = DeepOutput(model=None, error="could not fit", device="cpu")
    for name in ("candidates", "chosen_family", "chosen_because"):
        del old.__dict__[name]  # as a record pickled before these fields existed
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.candidates == () and loaded.chosen_family is None and loaded.failed
    (only,) = loaded.all_candidates()
    assert only.name == "ResNet MLP" and only.family == "deep" and only.error == "could not fit"
