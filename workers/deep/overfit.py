"""Overfit first: a network that cannot fit a handful of rows will not learn the whole table.

A ResNet with tens of thousands of parameters drives the loss on 32 distinct rows far below chance
within a few hundred full-batch steps whatever their labels are (to ~0 in a few dozen steps once
there are several features), so failing to do so is not a property of the task: it says the
features as wired carry nothing that tells the rows apart — constant or identical feature rows, a
transform that erased the signal, NaNs all filled with one value — or that training itself is
broken. (Labels shuffled against distinct rows are still memorisable; this check cannot see that.)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from workers.deep.loop import ShouldStop, cross_entropy, raise_if_cancelled
from workers.errors import OverfitCheckFailed

OVERFIT_ROWS = 32
OVERFIT_MAX_STEPS = 1_000
OVERFIT_PATIENCE = 200  # steps without a 0.1% better loss before giving up: a broken input plateaus at once
OVERFIT_LR = 1e-2  # Adam on one fixed tiny batch: a large step memorises quickly and is still stable
MEMORISED_LOSS = 0.05  # training stops early here: the rows are memorised (14x below chance for 2 classes)
# Passing needs the lowest loss below this fraction of the chance loss (the entropy of the sample's labels,
# which is what a model that ignores the features achieves). Memorising to ~0 is the ideal, but with one or
# two features a ReLU net needs many steps to carve out 32 random-looking labels (measured: up to 0.41 of
# chance after 1000 steps on one feature), while identical feature rows cannot go below chance at all.
PASS_FRACTION_OF_CHANCE = 0.5
RULE = (
    f"full-batch Adam (lr {OVERFIT_LR:g}, dropout off, float32) on {OVERFIT_ROWS} rows taken from each class in "
    f"turn, up to {OVERFIT_MAX_STEPS} steps, stopping once the loss is below {MEMORISED_LOSS} (memorised) or "
    f"has not improved for {OVERFIT_PATIENCE} steps; passes when the lowest loss reached (final_loss) is below "
    f"{PASS_FRACTION_OF_CHANCE:g}x the chance loss (the entropy of the rows' labels)"
)
CANDIDATES_PER_CLASS = 1_000  # bounds the search for non-conflicting rows on very large tables


def select_rows(
    X: np.ndarray, y: np.ndarray, n_rows: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Indices of up to `n_rows` rows, classes taken in turn so every class is present and balanced.

    A row whose features equal an already chosen row's but whose label differs cannot be memorised,
    so such rows are skipped while the class has other candidates. Returns the indices and how many
    chosen rows still conflict (non-zero only when a class had nothing else to offer — itself a
    sign that the features do not tell the classes apart).
    """
    classes = np.unique(y)
    pools = {c: list(rng.permutation(np.flatnonzero(y == c))[:CANDIDATES_PER_CLASS]) for c in classes}
    skipped: dict[int, list[int]] = {c: [] for c in classes}
    label_of: dict[bytes, int] = {}
    chosen: list[int] = []
    conflicting = 0
    while len(chosen) < n_rows:
        progressed = False
        for c in classes:
            if len(chosen) >= n_rows:
                break
            row = _next_row(X, pools[c], skipped[c], label_of, int(c))
            if row is None and skipped[c]:
                row = skipped[c].pop(0)
                conflicting += 1
            if row is not None:
                label_of.setdefault(X[row].tobytes(), int(c))
                chosen.append(row)
                progressed = True
        if not progressed:
            break
    return np.asarray(chosen, dtype=np.int64), conflicting


def _next_row(
    X: np.ndarray, pool: list[int], skipped: list[int], label_of: dict[bytes, int], label: int
) -> int | None:
    while pool:
        row = int(pool.pop())
        if label_of.get(X[row].tobytes(), label) == label:
            return row
        skipped.append(row)
    return None


def overfit_check(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    should_stop: ShouldStop | None = None,
) -> dict[str, object]:
    """Train `model` (fresh, dropout off, already on its device) full-batch on a few rows of `X, y`.

    Returns `{passed, n_examples, steps, initial_loss, final_loss (the lowest loss reached), last_loss,
    threshold, memorised, n_conflicting_rows, rule}` (see `RULE`); raises `OverfitCheckFailed` with that
    dict as `.check` (and `.diagnostics == {"overfit_check": ...}`) when it stays above the threshold. Runs in float32: bf16 rounding would put a floor under the loss it is meant to drive to 0.
    """
    device = next(model.parameters()).device
    rows, conflicting = select_rows(X, y, OVERFIT_ROWS, rng)
    labels = y[rows].astype(np.int64)
    xb = torch.as_tensor(np.ascontiguousarray(X[rows], dtype=np.float32), device=device)
    yb = torch.as_tensor(labels, device=device)
    threshold = PASS_FRACTION_OF_CHANCE * _label_entropy(labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=OVERFIT_LR, fused=True)
    model.train()
    initial_loss = loss = best_loss = math.nan
    steps = since_best = 0
    while steps < OVERFIT_MAX_STEPS:
        raise_if_cancelled(should_stop)
        optimizer.zero_grad(set_to_none=True)
        batch_loss = cross_entropy(model(xb), yb)
        loss = batch_loss.item()  # needed every step to stop as soon as the rows are memorised
        if steps == 0:
            initial_loss = best_loss = loss
        if not math.isfinite(loss):
            break
        if loss < best_loss * (1 - 1e-3):
            best_loss, since_best = loss, 0
        else:
            since_best += 1
        if best_loss < MEMORISED_LOSS or since_best >= OVERFIT_PATIENCE:
            break
        batch_loss.backward()
        optimizer.step()
        steps += 1
    best_loss = min(best_loss, loss) if math.isfinite(loss) else best_loss
    passed = math.isfinite(best_loss) and best_loss < threshold
    result: dict[str, object] = {
        "passed": passed,
        "n_examples": len(rows),
        "steps": steps,
        "initial_loss": _json_float(initial_loss),
        # Judged on the lowest loss reached: Adam on one tiny batch oscillates, and the question is
        # whether the model could fit the rows at all, not where an oscillation happened to end.
        "final_loss": _json_float(best_loss),
        "last_loss": _json_float(loss),
        "threshold": round(threshold, 6),
        "memorised": math.isfinite(best_loss) and best_loss < MEMORISED_LOSS,
        "n_conflicting_rows": conflicting,
        "rule": RULE,
    }
    if not passed:
        error = OverfitCheckFailed(_failure_message(result, n_classes=len(np.unique(labels))))
        # The report shows the failed check: `.check` is this dict, `.diagnostics` the diagnostics so
        # far (the trainer adds what it knew before the check).
        error.check = result  # type: ignore[attr-defined]
        error.diagnostics = {"overfit_check": result}  # type: ignore[attr-defined]
        raise error
    return result


def _label_entropy(labels: np.ndarray) -> float:
    """Cross-entropy of the best constant prediction (the class frequencies): the loss of ignoring X."""
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _failure_message(result: dict[str, object], *, n_classes: int) -> str:
    conflicts = result["n_conflicting_rows"]
    clue = (
        f" {conflicts} of those rows have exactly the same feature values as a row of another class, "
        "so the features cannot tell the classes apart."
        if conflicts
        else ""
    )
    return (
        f"The deep model could not fit {result['n_examples']} training rows ({n_classes} classes): after "
        f"{result['steps']} full-batch Adam steps (lr {OVERFIT_LR:g}, dropout off) the cross-entropy went from "
        f"{result['initial_loss']} to at best {result['final_loss']}, not below {result['threshold']} (half of what "
        f"predicting the class frequencies scores, i.e. the features taught it almost nothing). A network this "
        f"size fits a handful of distinct rows far better than that whatever their labels, so the inputs are "
        f"broken, not the task.{clue} Check that the feature columns are not constant or identical across rows "
        "after preprocessing, that the features passed are the table's and not a placeholder, and that no "
        "transform (e.g. a quantile transform fitted on other data, or NaNs filled with one value) erased the "
        "signal."
    )


def _json_float(value: float) -> float | None:
    return round(float(value), 6) if math.isfinite(value) else None
