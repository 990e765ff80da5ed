"""`TabMClassifier`: TabM trained by the same trainer, checks and diagnostics as the ResNet-MLP.

It is `ResNetMLPClassifier` with another network: the overfit check, the LR range test (when `lr=None`),
AdamW, the whole table on the device with batches sliced from one permutation, bf16 autocast on CUDA,
early stopping on the validation loss of the ensemble's mean prediction, and the time budget all come
from there. What differs is the model (`TabMNet`: k members, each trained on its own loss) and its
hyperparameters. The values that depend on the device (the CPU and GPU profiles) are chosen by the caller
(`workers.deep.tabm_profiles`); the constructor's defaults are the paper's.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import rtdl_num_embeddings
import tabm
import torch

from workers.deep.loop import ShouldStop
from workers.deep.tabm_model import TabMNet
from workers.deep.trainer import OnEpoch, ResNetMLPClassifier
from workers.errors import InvalidOption

# Rows the piecewise-linear bins are computed on at most: the quantiles settle long before.
BINS_FROM_ROWS = 50_000


class TabMClassifier(ResNetMLPClassifier):
    """TabM (an ensemble of `k` weight-sharing MLPs of `n_blocks` × `d_block`) behind the scikit-learn API.

    `X` is a numeric float array `(n, d)`, already preprocessed. `n_bins` adds piecewise-linear embeddings of
    every input column (None: raw inputs). `predict_proba` is the mean of the members' probabilities.
    Attributes after `fit` as `ResNetMLPClassifier`'s; `diagnostics_` also holds `k`, `n_bins` and
    `time_budget_s`.
    """

    gradient_layers = (tabm.LinearBatchEnsemble, tabm.LinearEnsemble, torch.nn.Linear)

    def __init__(
        self,
        *,
        k: int = 32,
        n_blocks: int = 3,
        d_block: int = 512,
        dropout: float = 0.1,
        n_bins: int | None = None,
        lr: float | None = 2e-3,
        weight_decay: float = 3e-4,
        batch_size: int = 256,
        max_epochs: int = 200,
        patience: int = 16,
        validation_fraction: float = 0.1,
        device: str = "auto",
        mixed_precision: str | bool = "auto",
        random_state: int | np.random.RandomState | None = 0,
        overfit_check: bool = True,
        time_budget_s: float | None = None,
    ) -> None:
        self.k = k
        self.n_blocks = n_blocks
        self.d_block = d_block
        self.dropout = dropout
        self.n_bins = n_bins
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.device = device
        self.mixed_precision = mixed_precision
        self.random_state = random_state
        self.overfit_check = overfit_check
        self.time_budget_s = time_budget_s

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        X_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        on_epoch: OnEpoch | None = None,
        should_stop: ShouldStop | None = None,
    ) -> TabMClassifier:
        """As `ResNetMLPClassifier.fit`."""
        try:
            super().fit(X, y, X_val=X_val, y_val=y_val, on_epoch=on_epoch, should_stop=should_stop)
        finally:
            self.__dict__.pop("_bins_from", None)  # the training rows must not be pickled with the model
        self.diagnostics_.update({"k": self.k, "n_bins": self.n_bins, "time_budget_s": self.time_budget_s})
        return self

    def _check_training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, y = super()._check_training_data(X, y)
        if self.n_bins is not None:
            # The bins come from the training rows only (the ones `fit` was given, before any held-out split).
            self._bins_from = X[:BINS_FROM_ROWS]
        return X, y

    def _new_model(  # type: ignore[override]
        self, n_classes: int, device: torch.device, *, dropout: float | None = None
    ) -> TabMNet:
        # The bin edges are kept (a few floats a column): the training rows they come from are not, and an
        # exported model is rebuilt from them (`module_init_kwargs`).
        self.bins_ = None if self.n_bins is None else piecewise_bins(self._bins_from, self.n_bins)
        return TabMNet(
            d_in=self.n_features_in_,
            d_out=n_classes,
            k=self.k,
            n_blocks=self.n_blocks,
            d_block=self.d_block,
            dropout=self.dropout if dropout is None else dropout,
            bins=self.bins_,
        ).to(device)

    def module_init_kwargs(self) -> dict[str, object]:
        """The fitted `TabMNet`'s constructor arguments, for rebuilding it from exported weights
        (workers.export.bundle): the bin edges travel as tensors in the weights file."""
        return {
            "d_in": self.n_features_in_,
            "d_out": len(self.classes_),
            "k": self.k,
            "n_blocks": self.n_blocks,
            "d_block": self.d_block,
            "dropout": self.dropout,
            "bins": getattr(self, "bins_", None),
        }

    def _lr_range_test(self, *args, **kwargs) -> dict[str, object]:  # type: ignore[no-untyped-def]
        sweep = super()._lr_range_test(*args, **kwargs)
        if self.lr is not None:
            sweep["method"] = "set: the TabM profile's learning rate or the one given"
        return sweep

    def _check_hyperparameters(self) -> None:
        for name, minimum in (("k", 1), ("n_blocks", 1), ("d_block", 1), ("max_epochs", 1), ("patience", 1)):
            _integer(self, name, minimum)
        _integer(self, "batch_size", 2)
        if self.n_bins is not None:
            _integer(self, "n_bins", 2)
        _number(self, "dropout", 0.0, 0.99)
        _number(self, "lr", 0.0, 10.0, optional=True, low_open=True)
        _number(self, "weight_decay", 0.0, 1.0)
        _number(self, "validation_fraction", 0.0, 0.5)
        _number(self, "time_budget_s", 0.0, math.inf, optional=True, low_open=True)
        if not isinstance(self.overfit_check, bool):
            raise InvalidOption(f"overfit_check must be True or False, got {self.overfit_check!r}")


def _integer(estimator: object, name: str, minimum: int) -> None:
    value = getattr(estimator, name)
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise InvalidOption(f"{name} must be an integer >= {minimum}, got {value!r}")


def _number(
    estimator: object, name: str, low: float, high: float, *, optional: bool = False, low_open: bool = False
) -> None:
    value = getattr(estimator, name)
    if optional and value is None:
        return
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (low < value if low_open else low <= value) or value > high:
        raise InvalidOption(
            f"{name} must be a number in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r}"
        )


def piecewise_bins(X: np.ndarray, n_bins: int) -> list[torch.Tensor]:
    """Quantile bin edges per column of `X` for piecewise-linear embeddings. `compute_bins` refuses a column
    with fewer than three distinct values (a one-hot or constant indicator), so such a column gets its one
    bin directly: from its low to its high value (a constant one: a unit bin)."""
    edges: list[torch.Tensor] = []
    for column in np.asarray(X, dtype=np.float32).T:
        values = np.unique(column)
        if len(values) <= 2:
            low = float(values[0]) if len(values) else 0.0
            high = float(values[-1]) if len(values) == 2 else low + 1.0
            edges.append(torch.tensor([low, high]))
            continue
        bins = min(n_bins, len(values) - 1)
        edges.extend(rtdl_num_embeddings.compute_bins(torch.as_tensor(column[:, None]), n_bins=bins))
    return [e.float() for e in edges]
