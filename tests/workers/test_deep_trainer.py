"""ResNetMLPClassifier end to end on small synthetic tables (CPU, a few seconds in all)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone

from workers.deep import ResNetMLPClassifier
from workers.errors import AssessmentCancelled, InvalidOption, OverfitCheckFailed

SMALL = {"d_main": 32, "d_hidden": 64, "n_blocks": 1, "batch_size": 64}
DIAGNOSTIC_KEYS = {
    "initialisation",
    "overfit_check",
    "lr_range_test",
    "epochs",
    "best_epoch",
    "stopped_early",
    "stop_reason",
    "gradient_norms",
    "mixed_precision",
    "device",
    "n_parameters",
    "train_rows_per_second",
}


def xor_table(n: int, seed: int, n_features: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Label = sign(x0 * x1): invisible to any single feature, easy for a small MLP."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, n_features)).astype(np.float32)
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


@pytest.fixture(scope="module")
def xor_fit() -> tuple[ResNetMLPClassifier, np.ndarray, np.ndarray, list[dict[str, object]]]:
    X, y = xor_table(1500, seed=0)
    X_val, y_val = xor_table(500, seed=1)
    seen: list[dict[str, object]] = []
    model = ResNetMLPClassifier(**SMALL, max_epochs=25, patience=5, device="cpu")
    model.fit(X, y, X_val=X_val, y_val=y_val, on_epoch=seen.append)
    return model, X_val, y_val, seen


def test_learns_a_nonlinear_problem(xor_fit) -> None:
    model, _, _, _ = xor_fit
    best = model.diagnostics_["epochs"][model.diagnostics_["best_epoch"] - 1]
    assert best["val_roc_auc"] > 0.9


def test_probabilities_have_one_column_per_class_and_rows_sum_to_one(xor_fit) -> None:
    model, X_val, _, _ = xor_fit
    proba = model.predict_proba(X_val)
    assert proba.shape == (len(X_val), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert set(np.unique(model.predict(X_val))) <= {0, 1}
    assert list(model.classes_) == [0, 1] and model.n_features_in_ == 6
    assert model.device_ == torch.device("cpu") and not model.model_.training


def test_diagnostics_have_every_section_and_are_plain_json(xor_fit) -> None:
    diagnostics = xor_fit[0].diagnostics_
    assert diagnostics.keys() >= DIAGNOSTIC_KEYS
    assert json.loads(json.dumps(diagnostics, allow_nan=False)) == diagnostics
    assert diagnostics["overfit_check"]["passed"] is True
    assert {"n_examples", "steps", "initial_loss", "final_loss", "threshold"} <= diagnostics[
        "overfit_check"
    ].keys()
    assert diagnostics["device"] == "cpu" and diagnostics["mixed_precision"] is False
    assert diagnostics["train_rows_per_second"] > 0
    assert "He (Kaiming)" in diagnostics["initialisation"]


def test_every_epoch_is_recorded_and_streamed(xor_fit) -> None:
    diagnostics = xor_fit[0].diagnostics_
    epochs, seen = diagnostics["epochs"], xor_fit[3]
    assert seen == epochs
    assert [e["epoch"] for e in epochs] == list(range(1, len(epochs) + 1))
    assert {"epoch", "train_loss", "val_loss", "val_roc_auc", "seconds"} <= epochs[0].keys()


def test_lr_range_test_curve_and_choice(xor_fit) -> None:
    sweep = xor_fit[0].diagnostics_["lr_range_test"]
    assert len(sweep["lrs"]) == len(sweep["losses"]) > 10
    assert sweep["lrs"] == sorted(sweep["lrs"])
    assert sweep["lrs"][0] <= sweep["chosen_lr"] <= sweep["lrs"][-1]
    assert xor_fit[0].diagnostics_["lr"] == sweep["chosen_lr"]
    assert "Smith" in sweep["method"]


def test_gradient_norms_per_layer_per_epoch(xor_fit) -> None:
    gradients = xor_fit[0].diagnostics_["gradient_norms"]
    assert gradients["layers"] == ["input", "blocks.0.linear_first", "blocks.0.linear_second", "head.linear"]
    assert len(gradients["per_epoch"]) == len(xor_fit[0].diagnostics_["epochs"])
    assert all(len(row) == 4 and all(v > 0 for v in row) for row in gradients["per_epoch"])
    assert gradients["vanishing"] == [] and gradients["exploding"] == []
    assert "vanishing" in gradients["rule"]


def test_early_stopping_restores_the_best_epoch() -> None:
    # Random labels on distinct rows: the network memorises the training set and the validation
    # loss climbs, so training must stop and roll back.
    rng = np.random.default_rng(3)
    X, X_val = rng.normal(size=(300, 10)).astype(np.float32), rng.normal(size=(200, 10)).astype(np.float32)
    y, y_val = rng.integers(0, 2, 300), rng.integers(0, 2, 200)
    model = ResNetMLPClassifier(**SMALL, lr=3e-3, dropout=0.0, max_epochs=60, patience=3, overfit_check=False)
    model.fit(X, y, X_val=X_val, y_val=y_val)
    diagnostics = model.diagnostics_
    epochs = diagnostics["epochs"]
    best = diagnostics["best_epoch"]
    assert diagnostics["stopped_early"] and "did not improve for 3 epochs" in diagnostics["stop_reason"]
    assert len(epochs) == best + 3 < 60
    assert epochs[best - 1]["val_loss"] == min(e["val_loss"] for e in epochs)
    restored = F.cross_entropy(torch.log(torch.as_tensor(model.predict_proba(X_val))), torch.as_tensor(y_val))
    assert restored.item() == pytest.approx(epochs[best - 1]["val_loss"], rel=1e-4)
    assert restored.item() < epochs[-1]["val_loss"]


def test_constant_features_with_mixed_labels_fail_the_overfit_check() -> None:
    X = np.ones((200, 4), dtype=np.float32)
    y = np.arange(200) % 2
    model = ResNetMLPClassifier(**SMALL)
    with pytest.raises(OverfitCheckFailed, match="could not fit 32 training rows") as caught:
        model.fit(X, y)
    message = str(caught.value)
    assert "same feature values as a row of another class" in message and "constant" in message
    check = caught.value.check
    assert check["passed"] is False and check["n_examples"] == 32
    assert check["final_loss"] > check["threshold"]
    # The report gets the failed check beside what was known before it, on the error and the estimator.
    assert caught.value.diagnostics["overfit_check"] == check == model.diagnostics_["overfit_check"]
    assert {"initialisation", "device", "n_parameters"} <= caught.value.diagnostics.keys()
    json.dumps(caught.value.diagnostics, allow_nan=False)


def test_random_labels_on_distinct_rows_pass_the_overfit_check() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 8)).astype(np.float32), rng.integers(0, 2, 200)
    model = ResNetMLPClassifier(**SMALL, lr=1e-3, max_epochs=1).fit(X, y)
    assert model.diagnostics_["overfit_check"]["passed"] is True


def test_overfit_check_can_be_skipped_and_lr_given() -> None:
    X, y = xor_table(200, seed=2)
    model = ResNetMLPClassifier(**SMALL, overfit_check=False, lr=1e-3, max_epochs=2).fit(X, y)
    assert model.diagnostics_["overfit_check"] == {"passed": None, "skipped": True}
    assert model.diagnostics_["lr_range_test"]["chosen_lr"] == 1e-3 == model.diagnostics_["lr"]
    assert model.diagnostics_["lr_range_test"]["lrs"] == []


def test_fit_is_reproducible_with_a_fixed_random_state() -> None:
    X, y = xor_table(400, seed=4)
    first = ResNetMLPClassifier(**SMALL, max_epochs=3, random_state=7).fit(X, y)
    second = ResNetMLPClassifier(**SMALL, max_epochs=3, random_state=7).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.diagnostics_["lr_range_test"]["losses"] == second.diagnostics_["lr_range_test"]["losses"]


def test_fit_leaves_the_global_torch_rng_alone() -> None:
    X, y = xor_table(200, seed=5)
    before = torch.get_rng_state()
    ResNetMLPClassifier(**SMALL, lr=1e-3, max_epochs=1).fit(X, y)
    assert torch.equal(before, torch.get_rng_state())


def test_clone_gives_an_unfitted_copy_with_the_same_hyperparameters(xor_fit) -> None:
    copy = clone(xor_fit[0])
    assert copy.get_params() == xor_fit[0].get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "diagnostics_")


def test_three_classes() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])
    model = ResNetMLPClassifier(**SMALL, max_epochs=8).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (600, 3) and list(model.classes_) == [0, 1, 2]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    # No X_val: a stratified tenth of the rows was held out, so the AUC is measured.
    assert model.diagnostics_["epochs"][-1]["val_roc_auc"] > 0.8


def test_should_stop_cancels_at_a_batch_boundary() -> None:
    X, y = xor_table(400, seed=7)
    calls = 0

    def should_stop() -> bool:
        nonlocal calls
        calls += 1
        return calls > 50

    with pytest.raises(AssessmentCancelled):
        ResNetMLPClassifier(**SMALL, max_epochs=50).fit(X, y, should_stop=should_stop)
    assert calls == 51


def test_time_budget_stops_training_gracefully() -> None:
    X, y = xor_table(400, seed=8)
    model = ResNetMLPClassifier(**SMALL, lr=1e-3, max_epochs=1000, time_budget_s=1e-3).fit(X, y)
    assert model.diagnostics_["stopped_early"] and "time budget" in model.diagnostics_["stop_reason"]
    assert len(model.diagnostics_["epochs"]) == 1
    assert model.predict_proba(X).shape == (400, 2)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"device": "tpu"}, "device must be one of"),
        ({"batch_size": 1}, "batch_size must be an integer >= 2"),
        ({"lr": 0.0}, "lr must be a number"),
        ({"mixed_precision": True, "device": "cpu"}, "needs a CUDA GPU"),
    ],
)
def test_unusable_options_are_refused(params: dict[str, object], message: str) -> None:
    X, y = xor_table(50, seed=9)
    with pytest.raises(InvalidOption, match=message):
        ResNetMLPClassifier(**{**SMALL, **params}).fit(X, y)


def test_labels_must_be_class_indices() -> None:
    X, _ = xor_table(50, seed=10)
    with pytest.raises(ValueError, match="class indices"):
        ResNetMLPClassifier(**SMALL).fit(X, np.where(np.arange(50) % 2, 2, 0))
