"""What the trainer measures about itself: per-layer gradient norms and validation ROC AUC."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

GRADIENT_SAMPLES_PER_EPOCH = 16  # batches whose gradients are measured per epoch: enough for a mean, cheap
VANISHING_NORM = 1e-7
VANISHING_RATIO = 1e4  # this many times below the median layer
EXPLODING_NORM = 1e3
GRADIENT_RULE = (
    f"per-layer L2 norm of the weight and bias gradients, averaged over up to {GRADIENT_SAMPLES_PER_EPOCH} "
    f"evenly spaced batches per epoch and then over epochs; a layer is vanishing when that mean is below "
    f"{VANISHING_NORM:g} or more than {VANISHING_RATIO:g} times below the median layer's, exploding when it "
    f"is above {EXPLODING_NORM:g} or any measured norm is not finite"
)


class GradientNormTracker:
    """Accumulates per-layer gradient norms on the device; the host reads them once per epoch.

    A "layer" is each module of `layer_types` (`nn.Linear` unless given; TabM's are its ensemble linears),
    named as in `model.named_modules()`.
    """

    def __init__(self, model: nn.Module, layer_types: tuple[type[nn.Module], ...] = (nn.Linear,)) -> None:
        self.layers = [name for name, module in model.named_modules() if isinstance(module, layer_types)]
        self._params = [
            [p for p in module.parameters() if p.requires_grad]
            for module in model.modules()
            if isinstance(module, layer_types)
        ]
        self.per_epoch: list[list[float]] = []
        self._device = next(model.parameters()).device
        self._stride = 1
        self._sum = torch.zeros(len(self.layers), device=self._device)
        self._count = 0

    def start_epoch(self, n_batches: int) -> None:
        self._stride = max(1, n_batches // GRADIENT_SAMPLES_PER_EPOCH)
        self._sum = torch.zeros(len(self.layers), device=self._device)
        self._count = 0

    def observe(self, batch_index: int) -> None:
        """Called after `backward()`: adds this batch's norms when it is one of the sampled batches."""
        if batch_index % self._stride:
            return
        self._sum += torch.stack([self._layer_norm(params) for params in self._params])
        self._count += 1

    def _layer_norm(self, params: list[nn.Parameter]) -> torch.Tensor:
        grads = [p.grad.detach().float() for p in params if p.grad is not None]
        if not grads:
            return torch.zeros((), device=self._device)
        return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))

    def end_epoch(self) -> None:
        if self._count:
            self.per_epoch.append([float(v) for v in (self._sum / self._count).tolist()])

    def summary(self) -> dict[str, object]:
        vanishing, exploding = flag_gradients(self.layers, self.per_epoch)
        return {
            "layers": list(self.layers),
            "per_epoch": [[_finite_or_none(v) for v in row] for row in self.per_epoch],
            "vanishing": vanishing,
            "exploding": exploding,
            "rule": GRADIENT_RULE,
        }


def flag_gradients(layers: list[str], per_epoch: list[list[float]]) -> tuple[list[str], list[str]]:
    """Names of the vanishing and exploding layers under `GRADIENT_RULE`."""
    if not per_epoch:
        return [], []
    norms = np.asarray(per_epoch, dtype=np.float64)  # (epochs, layers)
    # (layers,): some epoch's norm was not finite. A reduction over an axis is an array; asarray says so.
    non_finite = np.asarray(~np.isfinite(norms).all(axis=0))
    mean = np.where(non_finite, np.inf, np.nanmean(np.where(np.isfinite(norms), norms, np.nan), axis=0))
    median = float(np.median(mean[np.isfinite(mean)])) if np.isfinite(mean).any() else 0.0
    vanishing = [
        name
        for name, m in zip(layers, mean, strict=True)
        if np.isfinite(m) and (m < VANISHING_NORM or m * VANISHING_RATIO < median)
    ]
    exploding = [
        name for name, m, bad in zip(layers, mean, non_finite, strict=True) if bad or m > EXPLODING_NORM
    ]
    return vanishing, exploding


def roc_auc(y: np.ndarray, proba: np.ndarray) -> float | None:
    """Binary ROC AUC, or macro one-vs-rest AUC for more classes; None where it is undefined."""
    n_classes = proba.shape[1]
    if not np.isfinite(proba).all() or len(np.unique(y)) != n_classes:
        return None
    if n_classes == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    # Rows are renormalised in float64 because sklearn insists the OVR scores sum to exactly 1.
    return float(
        roc_auc_score(y, proba / proba.sum(axis=1, keepdims=True), multi_class="ovr", average="macro")
    )


def _finite_or_none(value: float) -> float | None:
    # JSON has no NaN or infinity; a missing number says "not measurable" without breaking json.loads.
    return float(value) if math.isfinite(value) else None
