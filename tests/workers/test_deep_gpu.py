"""The trainer on a CUDA GPU with bf16 mixed precision; skipped where torch sees no GPU."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from workers.deep import ResNetMLPClassifier

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_trains_on_cuda_with_mixed_precision() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(4000, 8)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    X_val = rng.uniform(-1, 1, size=(1000, 8)).astype(np.float32)
    y_val = (X_val[:, 0] * X_val[:, 1] > 0).astype(np.int64)

    model = ResNetMLPClassifier(d_main=64, d_hidden=128, batch_size=256, max_epochs=20, patience=5)
    model.fit(X, y, X_val=X_val, y_val=y_val)

    assert model.device_.type == "cuda"
    assert next(model.model_.parameters()).device.type == "cuda"
    diagnostics = model.diagnostics_
    assert diagnostics["mixed_precision"] is torch.cuda.is_bf16_supported()
    assert diagnostics["device"].startswith("cuda")
    json.dumps(diagnostics, allow_nan=False)
    assert diagnostics["overfit_check"]["passed"] is True
    best = diagnostics["epochs"][diagnostics["best_epoch"] - 1]
    assert best["val_roc_auc"] > 0.9
    proba = model.predict_proba(X_val)
    assert proba.dtype == np.float64 and proba.shape == (1000, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert diagnostics["gradient_norms"]["exploding"] == []


def test_explicit_cuda_device_and_mixed_precision_flag() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = ResNetMLPClassifier(
        d_main=32, d_hidden=64, batch_size=128, max_epochs=2, device="cuda", mixed_precision=False
    ).fit(X, y)
    assert model.device_.type == "cuda" and model.diagnostics_["mixed_precision"] is False
