"""The bundle writer beyond the families of today (issue 14 item 5): any torch module held as an estimator's
`model_` travels as safetensors with its constructor arguments — tensors among them, an ensemble's
(batch, k, classes) output averaged — and what cannot be rebuilt or vouched for is refused at export."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from workers.baselines import FittedModel
from workers.export.bundle import ExportUnsupported, write_bundle
from workers.features import make_preprocessor


class EnsembleNet(torch.nn.Module):
    """k linear heads over inputs shifted by per-feature `offsets` (a tensor argument, like TabM's bins)."""

    def __init__(self, *, d_in: int, d_out: int, k: int, offsets: list[torch.Tensor]) -> None:
        super().__init__()
        self.register_buffer("offsets", torch.stack(offsets))
        self.heads = torch.nn.Linear(d_in, d_out * k)
        self.k, self.d_out = k, d_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.heads(x - self.offsets).reshape(len(x), self.k, self.d_out)  # (batch, k, classes)


class EnsembleClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, k: int = 3, record_offsets: bool = True) -> None:
        self.k = k
        self.record_offsets = record_offsets

    def fit(self, X: np.ndarray, y: np.ndarray) -> EnsembleClassifier:
        torch.manual_seed(0)
        self.classes_ = np.arange(int(y.max()) + 1)
        self.n_features_in_ = X.shape[1]
        self.offsets_ = [torch.tensor(float(v)) for v in X.mean(axis=0)]
        self.model_ = EnsembleNet(
            d_in=X.shape[1], d_out=len(self.classes_), k=self.k, offsets=self.offsets_
        ).eval()
        return self

    def module_init_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"d_in": self.n_features_in_, "d_out": len(self.classes_), "k": self.k}
        if self.record_offsets:
            kwargs["offsets"] = self.offsets_
        return kwargs

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            members = torch.softmax(self.model_(torch.as_tensor(X, dtype=torch.float32)).double(), dim=-1)
        return members.mean(dim=1).numpy()


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"a": rng.normal(size=80), "b": rng.normal(size=80), "c": rng.choice(["x", "y"], 80)}
    )
    return frame, (frame["a"] > 0).to_numpy(dtype=int)


def _fitted(estimator: Any) -> FittedModel:
    frame, y = _frame()
    pipeline = Pipeline([("prepare", make_preprocessor(frame, "deep")), ("model", estimator)]).fit(frame, y)
    return FittedModel(name="Ensemble", family="deep", estimator=pipeline, fit_seconds=0.0)


def _load(folder: Path) -> Any:
    spec = importlib.util.spec_from_file_location("bundle_loader_under_test", folder / "load_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_bundle(folder)


def test_any_torch_module_with_tensor_arguments_round_trips(tmp_path: Path) -> None:
    model = _fitted(EnsembleClassifier())
    files = write_bundle(
        model, tmp_path / "b", classes=["no", "yes"], threshold=0.5, card={"model": {"name": "Ensemble"}}
    )
    assert "weights.safetensors" in files and not any(name.endswith((".pkl", ".pt")) for name in files)
    frame, _ = _frame()
    loaded = _load(tmp_path / "b")
    np.testing.assert_allclose(
        loaded.predict_proba(frame.head(7)).to_numpy(), model.predict_proba(frame.head(7)), atol=1e-9
    )
    assert loaded.predict(frame.head(3)) == [
        "no" if p < 0.5 else "yes" for p in model.predict_proba(frame.head(3))[:, 1]
    ]


def test_a_module_that_cannot_be_rebuilt_is_refused_at_export(tmp_path: Path) -> None:
    model = _fitted(EnsembleClassifier(record_offsets=False))  # the tensor argument is not recorded
    with pytest.raises(ExportUnsupported, match="cannot be rebuilt"):
        write_bundle(model, tmp_path / "b", classes=["no", "yes"], threshold=0.5, card={})


@pytest.mark.parametrize("n_bins", [None, 8])
def test_a_fitted_tabm_round_trips_with_its_bins(tmp_path: Path, n_bins: int | None) -> None:
    from workers.deep.tabm_trainer import TabMClassifier

    estimator = TabMClassifier(
        k=2, n_blocks=1, d_block=16, n_bins=n_bins, max_epochs=2, device="cpu", overfit_check=False
    )
    model = _fitted(estimator)
    write_bundle(model, tmp_path / "b", classes=["no", "yes"], threshold=0.5, card={"model": {"name": "TabM"}})
    frame, _ = _frame()
    np.testing.assert_allclose(
        _load(tmp_path / "b").predict_proba(frame.head(7)).to_numpy(), model.predict_proba(frame.head(7)), atol=1e-6
    )
