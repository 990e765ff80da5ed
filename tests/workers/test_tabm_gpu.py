"""TabM's GPU profile on a CUDA GPU: the paper's defaults with bf16 autocast; skipped where torch sees no GPU."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from workers.experiments.families import TABM
from workers.experiments.fitting import fit_family

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 8))
    return pd.DataFrame(x, columns=[f"x{i}" for i in range(8)]), (x[:, 0] * x[:, 1] > 0).astype(np.int64)


def test_tabm_takes_the_gpu_profile_and_trains_in_mixed_precision() -> None:
    frame, y = _frame(4000, 0)
    val_frame, y_val = _frame(1000, 1)
    model = fit_family(TABM, frame, y, val_frame, y_val, {"max_epochs": 20}, random_state=0, device="cuda")
    estimator = model.estimator[-1]
    assert model.device == "cuda" and next(estimator.model_.parameters()).device.type == "cuda"
    assert (estimator.k, estimator.n_blocks, estimator.d_block, estimator.batch_size) == (32, 3, 512, 256)
    diagnostics = model.diagnostics
    assert diagnostics["profile"] == "gpu" and diagnostics["time_budget_s"] is None
    assert diagnostics["mixed_precision"] is torch.cuda.is_bf16_supported()
    json.dumps(diagnostics, allow_nan=False)
    assert roc_auc_score(y_val, model.predict_proba(val_frame)[:, 1]) > 0.9
