"""The image families on a CUDA GPU: the GPU profile (no time budget, 224 px transfer input), bf16 autocast,
the images on the device; skipped where torch sees no GPU (not run yet: no GPU was lent to this work)."""

from __future__ import annotations

import json

import pytest
import torch
from sklearn.metrics import roc_auc_score

from tests.workers.image_digits import digit_frames
from workers.experiments.fitting import fit_family
from workers.families import CNN, TRANSFER

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.mark.parametrize("family", [CNN, TRANSFER])
def test_an_image_family_takes_the_gpu_profile_and_trains_in_mixed_precision(family: str) -> None:
    frame, y, val_frame, y_val = digit_frames(900)
    model = fit_family(family, frame, y, val_frame, y_val, {"max_epochs": 20}, random_state=0, device="cuda")
    estimator = model.estimator[-1]
    assert model.device == "cuda" and next(estimator.model_.parameters()).device.type == "cuda"
    diagnostics = model.diagnostics
    assert diagnostics["profile"] == "gpu" and diagnostics["time_budget_s"] is None
    assert diagnostics["mixed_precision"] is torch.cuda.is_bf16_supported()
    if family == TRANSFER:
        assert diagnostics["input_size"] == 224
    json.dumps(diagnostics, allow_nan=False)
    assert roc_auc_score(y_val, model.predict_proba(val_frame)[:, 1]) > 0.95
