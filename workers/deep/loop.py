"""The hot loop: the whole table lives on the device and batches are slices of one permutation.

A `DataLoader` over a `TensorDataset` indexes one row at a time and collates the rows back into a
batch in Python; at tabular batch sizes that costs more than the forward and backward pass on a
GPU. Here each epoch draws a single `torch.randperm` on the device and a batch is one gather
`X[perm[start:stop]]`, so the Python work per batch is constant and the GPU is never waiting on the
host. The loss is summed on the device and read once per epoch, so there is no per-batch sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workers.deep.device import autocast
from workers.errors import AssessmentCancelled

EVAL_CHUNK_ROWS = 65_536  # rows per forward pass when evaluating: large enough to keep the device busy

ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class DeviceTensors:
    """Features `X` `(n, d)` float32 and labels `y` `(n,)` int64, both on the training device."""

    X: torch.Tensor
    y: torch.Tensor

    @classmethod
    def from_numpy(cls, X: np.ndarray, y: np.ndarray, device: torch.device) -> DeviceTensors:
        features = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32), device=device)
        labels = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
        return cls(features, labels)

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])


@dataclass(frozen=True)
class EpochOutcome:
    mean_loss: float
    rows: int
    seconds: float
    out_of_time: bool


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of logits `(n, K)`, or of an ensemble's members' logits `(n, k, K)`: then each
    member is scored on every row and the losses averaged, as TabM trains its k members."""
    if logits.ndim == 3:
        return F.cross_entropy(logits.flatten(0, 1), y.repeat_interleave(logits.shape[1]))
    return F.cross_entropy(logits, y)


def raise_if_cancelled(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise AssessmentCancelled("The assessment was cancelled while the deep model was training.")


def batch_bounds(n_rows: int, batch_size: int) -> Iterator[tuple[int, int]]:
    """`(start, stop)` of each batch; a trailing batch of one row is dropped because BatchNorm
    cannot normalise a single row in training mode (the permutation changes which row each epoch)."""
    for start in range(0, n_rows, batch_size):
        stop = min(start + batch_size, n_rows)
        if stop - start >= 2:
            yield start, stop


def count_batches(n_rows: int, batch_size: int) -> int:
    return sum(1 for _ in batch_bounds(n_rows, batch_size))


def make_optimizer(model: nn.Module, *, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    # The fused kernel updates every parameter in one launch; it is the faster path on CPU and CUDA alike.
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, fused=True)


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    xb: torch.Tensor,
    yb: torch.Tensor,
    *,
    mixed_precision: bool,
    after_backward: Callable[[], None] | None = None,
) -> torch.Tensor:
    """One optimiser step on a batch; returns the batch's mean loss as a 0-d tensor (no host sync)."""
    optimizer.zero_grad(set_to_none=True)
    with autocast(xb.device, mixed_precision):
        logits = model(xb)
    # The loss is taken in float32 even under autocast: bf16 log-softmax loses the small losses late in training.
    loss = cross_entropy(logits.float(), yb)
    loss.backward()
    if after_backward is not None:
        after_backward()
    optimizer.step()
    return loss.detach()


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data: DeviceTensors,
    *,
    batch_size: int,
    generator: torch.Generator,
    mixed_precision: bool,
    should_stop: ShouldStop | None = None,
    deadline: float | None = None,
    on_batch_gradients: Callable[[int], None] | None = None,
) -> EpochOutcome:
    """Train one pass over `data` in a random order.

    `deadline` (a `time.monotonic()` value) ends the epoch early at a batch boundary, after at least
    one batch; `on_batch_gradients(batch_index)` sees the gradients of every batch before the step.
    """
    started = time.perf_counter()
    model.train()
    perm = torch.randperm(data.n_rows, generator=generator, device=data.X.device)
    loss_sum = torch.zeros((), device=data.X.device)
    rows = 0
    out_of_time = False
    for index, (start, stop) in enumerate(batch_bounds(data.n_rows, batch_size)):
        raise_if_cancelled(should_stop)
        if deadline is not None and rows and time.monotonic() >= deadline:
            out_of_time = True
            break
        idx = perm[start:stop]
        hook = None if on_batch_gradients is None else partial(on_batch_gradients, index)
        loss = train_step(
            model, optimizer, data.X[idx], data.y[idx], mixed_precision=mixed_precision, after_backward=hook
        )
        loss_sum += loss * (stop - start)
        rows += stop - start
    mean_loss = (loss_sum / max(rows, 1)).item()  # the epoch's only device→host sync
    return EpochOutcome(mean_loss, rows, time.perf_counter() - started, out_of_time)


def predict_logits(model: nn.Module, X: torch.Tensor, *, mixed_precision: bool) -> torch.Tensor:
    """Logits `(n, d_out)` float32 on the device, computed in large chunks in eval mode."""
    model.eval()
    chunks = []
    with torch.inference_mode(), autocast(X.device, mixed_precision):
        for start in range(0, X.shape[0], EVAL_CHUNK_ROWS):
            chunks.append(model(X[start : start + EVAL_CHUNK_ROWS]).float())
    if not chunks:
        return torch.empty((0, 0), device=X.device)
    return torch.cat(chunks)


def evaluate(model: nn.Module, data: DeviceTensors, *, mixed_precision: bool) -> tuple[float, np.ndarray]:
    """Mean cross-entropy on `data` and the class probabilities `(n, K)` as float64 numpy."""
    logits = predict_logits(model, data.X, mixed_precision=mixed_precision)
    with torch.inference_mode():
        loss = F.cross_entropy(logits, data.y).item()
        proba = torch.softmax(logits, dim=1).double().cpu().numpy()
    return loss, proba
