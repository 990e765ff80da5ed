"""Smith's learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks").

Train a fresh model for a short while with the learning rate growing exponentially each batch and
watch the loss: it stays flat while the LR is too small, falls once the LR is useful, and blows up
once it is too large. The LR is read off that curve instead of guessed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from workers.deep.loop import (
    DeviceTensors,
    ShouldStop,
    batch_bounds,
    make_optimizer,
    raise_if_cancelled,
    train_step,
)

LR_START = 1e-6
LR_END = 1.0
LR_STEPS = 100
# EMA factor for the loss: one batch's loss is too noisy to pick a minimum from, but the sweep crosses
# a decade every ~17 batches, so a longer memory (fastai's 0.98, ~50 batches) drags the minimum to the
# end of the sweep whenever BatchNorm keeps large LRs from diverging; 0.9 averages ~10 batches.
SMOOTHING = 0.9
DIVERGENCE_FACTOR = 4.0  # stop once the smoothed loss is this many times its minimum
MIN_STEPS_BEFORE_DIVERGENCE = 10  # the bias-corrected EMA is jumpy over the first few batches
METHOD = (
    f"Smith LR range test: AdamW on a fresh model, LR swept exponentially from {LR_START:g} to {LR_END:g} "
    f"over up to {LR_STEPS} mini-batches; loss smoothed by a bias-corrected exponential moving average "
    f"(beta {SMOOTHING}); sweep stopped when the smoothed loss exceeds {DIVERGENCE_FACTOR:g}x its minimum "
    "or is not finite; chosen LR = one tenth of the LR at the smoothed-loss minimum, kept inside the "
    "swept range. One order of magnitude below the minimum is used rather than the steepest slope "
    "because the minimum is stable on noisy curves and still sits where the loss is falling fast."
)


def lr_range_test(
    model: nn.Module,
    data: DeviceTensors,
    *,
    batch_size: int,
    weight_decay: float,
    generator: torch.Generator,
    mixed_precision: bool,
    should_stop: ShouldStop | None = None,
) -> dict[str, object]:
    """Sweep the LR on `model` (which it trains and is then thrown away) and pick one.

    Returns `{lrs, losses, chosen_lr, method, stopped_on_divergence}` where `losses` are the smoothed
    losses; batches are slices of fresh permutations of `data`, cycling through it as often as needed.
    """
    optimizer = make_optimizer(model, lr=LR_START, weight_decay=weight_decay)
    growth = (LR_END / LR_START) ** (1.0 / (LR_STEPS - 1))
    lrs: list[float] = []
    losses: list[float] = []
    average = 0.0
    best = math.inf
    diverged = False
    for step, (xb, yb) in enumerate(_batches(data, batch_size, generator, LR_STEPS)):
        raise_if_cancelled(should_stop)
        lr = LR_START * growth**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        # One host sync per batch: the sweep is 100 batches and needs each loss to decide when to stop.
        loss = train_step(model, optimizer, xb, yb, mixed_precision=mixed_precision).item()
        if not math.isfinite(loss):
            diverged = True
            break
        average = SMOOTHING * average + (1.0 - SMOOTHING) * loss
        smoothed = average / (1.0 - SMOOTHING ** (step + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if step >= MIN_STEPS_BEFORE_DIVERGENCE and smoothed > DIVERGENCE_FACTOR * best:
            diverged = True
            break
    return {
        "lrs": lrs,
        "losses": losses,
        "chosen_lr": choose_lr(lrs, losses),
        "method": METHOD,
        # False means the loss was still falling at the largest LR: the choice is then a cautious one.
        "stopped_on_divergence": diverged,
    }


def choose_lr(lrs: list[float], losses: list[float]) -> float:
    """One tenth of the LR at the smoothed-loss minimum, clipped to the swept range."""
    if not lrs:
        return LR_START  # the very first batch diverged: the smallest LR swept is the only safe answer
    at_minimum = lrs[min(range(len(losses)), key=losses.__getitem__)]
    return float(min(max(at_minimum / 10.0, lrs[0]), lrs[-1]))


def _batches(
    data: DeviceTensors, batch_size: int, generator: torch.Generator, n_batches: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    produced = 0
    while produced < n_batches:
        before = produced
        perm = torch.randperm(data.n_rows, generator=generator, device=data.X.device)
        for start, stop in batch_bounds(data.n_rows, batch_size):
            idx = perm[start:stop]
            yield data.X[idx], data.y[idx]
            produced += 1
            if produced == n_batches:
                return
        if produced == before:
            return  # fewer than two rows: no batch BatchNorm could train on
