"""`ResNetMLPClassifier`: the tabular ResNet behind the scikit-learn estimator interface.

`fit` runs, in order: the overfit check on a handful of rows, the LR range test (unless `lr` is
given), then training with early stopping on the validation loss, and records each step in
`diagnostics_` for the report.

Loss: every task, binary included, uses K logits and softmax cross-entropy, so one code path
serves every number of classes and `predict_proba` is a softmax whose rows sum to 1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from workers.deep.device import resolve_device, resolve_mixed_precision
from workers.deep.diagnostics import GradientNormTracker, roc_auc
from workers.deep.loop import (
    EVAL_CHUNK_ROWS,
    DeviceTensors,
    ShouldStop,
    count_batches,
    evaluate,
    make_optimizer,
    predict_logits,
    train_epoch,
)
from workers.deep.lr_range import lr_range_test
from workers.deep.model import ResNetMLP
from workers.deep.overfit import overfit_check
from workers.errors import InvalidOption, OverfitCheckFailed

IMPROVEMENT_TOLERANCE = 1e-4  # relative: a validation loss must beat the best by this much to count

OnEpoch = Callable[[dict[str, object]], None]


class ResNetMLPClassifier(ClassifierMixin, BaseEstimator):
    """Gorishniy et al.'s tabular ResNet, trained with the checks the report shows.

    `X` is a numeric float array `(n, d)`, already preprocessed (the caller applies a quantile
    transform); `y` holds class indices `0..K-1` with K ≥ 2. `lr=None` picks the learning rate
    with an LR range test. Without `X_val`, a stratified `validation_fraction` of the training rows
    is held out for early stopping; `validation_fraction=0` trains for `max_epochs` with no
    validation. `time_budget_s` (seconds from the start of `fit`) ends training at a batch boundary
    and keeps the best weights so far.

    Attributes after `fit`: `classes_` (`0..K-1`), `n_features_in_`, `device_`, `mixed_precision_`,
    `model_` (the `ResNetMLP` with the best epoch's weights, in eval mode) and `diagnostics_`, a
    JSON-ready dict: `initialisation`, `overfit_check`, `lr_range_test`, `epochs`, `best_epoch`,
    `stopped_early`, `stop_reason`, `gradient_norms`, `mixed_precision`, `device`, `n_parameters`,
    `train_rows_per_second` (plus `initialisation_by_layer` and `lr`).
    """

    # The modules whose gradient norms the report tracks (a subclass with other layer types names its own).
    gradient_layers: tuple[type[torch.nn.Module], ...] = (torch.nn.Linear,)

    def __init__(
        self,
        *,
        d_main: int = 128,
        d_hidden: int = 256,
        n_blocks: int = 2,
        dropout: float = 0.1,
        lr: float | None = None,
        weight_decay: float = 1e-5,
        batch_size: int = 512,
        max_epochs: int = 100,
        patience: int = 8,
        validation_fraction: float = 0.1,
        device: str = "auto",
        mixed_precision: str | bool = "auto",
        random_state: int | np.random.RandomState | None = 0,
        overfit_check: bool = True,
        time_budget_s: float | None = None,
    ) -> None:
        self.d_main = d_main
        self.d_hidden = d_hidden
        self.n_blocks = n_blocks
        self.dropout = dropout
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
    ) -> ResNetMLPClassifier:
        """Train on `X, y`; `on_epoch(record)` after every epoch, `should_stop()` at every batch boundary.

        Raises `OverfitCheckFailed` when the model cannot fit a handful of rows; its `.diagnostics`
        holds the diagnostics so far (with the failed `overfit_check`) and `.check` the check alone; `AssessmentCancelled` when `should_stop()` returns True, `InvalidOption` for an
        unusable hyperparameter.
        """
        started = time.monotonic()
        self._check_hyperparameters()
        X, y = self._check_training_data(X, y)
        n_classes = int(y.max()) + 1
        device = resolve_device(self.device)
        mixed_precision = resolve_mixed_precision(self.mixed_precision, device)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        X, y, X_val, y_val = self._validation_split(X, y, X_val, y_val, n_classes, seed)
        self.classes_ = np.arange(n_classes)
        self.device_ = device
        self.mixed_precision_ = mixed_precision
        deadline = None if self.time_budget_s is None else started + float(self.time_budget_s)

        cuda = (
            [device.index if device.index is not None else torch.cuda.current_device()]
            if device.type == "cuda"
            else []
        )
        # Seeding inside fork_rng makes initialisation and dropout reproducible while leaving the
        # caller's global torch RNG as it was (the library must not disturb its host's randomness).
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            generator = torch.Generator(device=device)
            generator.manual_seed(seed)
            self.model_ = self._new_model(n_classes, device)
            self.diagnostics_ = {  # set before the checks so a failure still leaves what was learnt
                "initialisation": self.model_.initialisation_summary,
                "initialisation_by_layer": dict(self.model_.initialisation),
                "device": str(device),
                "mixed_precision": mixed_precision,
                "n_parameters": self.model_.n_parameters,
            }
            self.diagnostics_["overfit_check"] = self._overfit_check(
                X, y, n_classes, device, np.random.default_rng(seed), should_stop
            )
            train = DeviceTensors.from_numpy(X, y, device)
            val = None
            if X_val is not None:
                assert y_val is not None  # _validation_split returns both or neither
                val = DeviceTensors.from_numpy(X_val, y_val, device)
            sweep = self._lr_range_test(train, n_classes, device, generator, should_stop)
            self.diagnostics_["lr_range_test"] = sweep
            chosen_lr = sweep["chosen_lr"]
            assert isinstance(chosen_lr, float)  # the user's lr or choose_lr's, a float either way
            self.diagnostics_["lr"] = lr = chosen_lr
            self.diagnostics_.update(
                self._train(self.model_, train, val, lr, generator, deadline, on_epoch, should_stop)
            )
        return self

    def _overfit_check(
        self,
        X: np.ndarray,
        y: np.ndarray,
        n_classes: int,
        device: torch.device,
        rng: np.random.Generator,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        if not self.overfit_check:
            return {"passed": None, "skipped": True}
        fresh = self._new_model(n_classes, device, dropout=0.0)  # dropout would fight memorisation
        try:
            return overfit_check(fresh, X, y, rng=rng, should_stop=should_stop)
        except OverfitCheckFailed as failed:
            # The caller's report needs the failed check beside what was known before it.
            self.diagnostics_["overfit_check"] = failed.check  # type: ignore[attr-defined]
            failed.diagnostics = self.diagnostics_  # type: ignore[attr-defined]
            raise

    def _lr_range_test(
        self,
        train: DeviceTensors,
        n_classes: int,
        device: torch.device,
        generator: torch.Generator,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        if self.lr is not None:
            lr = float(self.lr)
            return {"lrs": [], "losses": [], "chosen_lr": lr, "method": "set by the user", "skipped": True}
        return lr_range_test(
            self._new_model(n_classes, device),
            train,
            batch_size=self.batch_size,
            weight_decay=self.weight_decay,
            generator=generator,
            mixed_precision=self.mixed_precision_,
            should_stop=should_stop,
        )

    def _train(
        self,
        model: torch.nn.Module,
        train: DeviceTensors,
        val: DeviceTensors | None,
        lr: float,
        generator: torch.Generator,
        deadline: float | None,
        on_epoch: OnEpoch | None,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        """The epoch loop with early stopping; returns the training part of the diagnostics."""
        mixed_precision = self.mixed_precision_
        optimizer = make_optimizer(model, lr=lr, weight_decay=self.weight_decay)
        gradients = GradientNormTracker(model, self.gradient_layers)
        n_batches = count_batches(train.n_rows, self.batch_size)
        y_val_host = None if val is None else val.y.cpu().numpy()
        epochs: list[dict[str, object]] = []
        # Epoch 0 (the initial weights) is the fallback should the very first epoch diverge.
        best_state: dict[str, torch.Tensor] | None = _snapshot(model)
        best_loss, best_epoch, waited = math.inf, 0, 0
        stop_reason = f"reached max_epochs ({self.max_epochs})"
        stopped_early = False
        train_rows, train_seconds = 0, 0.0
        for epoch in range(1, self.max_epochs + 1):
            started = time.perf_counter()
            gradients.start_epoch(n_batches)
            outcome = train_epoch(
                model,
                optimizer,
                train,
                batch_size=self.batch_size,
                generator=generator,
                mixed_precision=mixed_precision,
                should_stop=should_stop,
                deadline=deadline,
                on_batch_gradients=gradients.observe,
            )
            gradients.end_epoch()
            train_rows += outcome.rows
            train_seconds += outcome.seconds
            val_loss = val_auc = None
            if val is not None:
                loss, proba = evaluate(model, val, mixed_precision=mixed_precision)
                val_loss = loss if math.isfinite(loss) else None
                assert y_val_host is not None  # taken from `val` before the loop
                val_auc = roc_auc(y_val_host, proba)
            record: dict[str, object] = {
                "epoch": epoch,
                "train_loss": outcome.mean_loss if math.isfinite(outcome.mean_loss) else None,
                "val_loss": val_loss,
                "val_roc_auc": val_auc,
                "seconds": time.perf_counter() - started,
            }
            epochs.append(record)
            if on_epoch is not None:
                on_epoch(dict(record))

            if val is None:
                best_epoch, best_state = epoch, None  # nothing to stop on: the last epoch is the model
            elif val_loss is not None and val_loss < best_loss * (1 - IMPROVEMENT_TOLERANCE):
                best_loss, best_epoch, waited = val_loss, epoch, 0
                best_state = _snapshot(model)
            else:
                waited += 1
            if record["train_loss"] is None or (val is not None and val_loss is None):
                stop_reason, stopped_early = f"the loss became non-finite in epoch {epoch}", True
                break
            if outcome.out_of_time or (deadline is not None and time.monotonic() >= deadline):
                stop_reason = f"time budget of {self.time_budget_s:g} s reached during epoch {epoch}"
                stopped_early = True
                break
            if val is not None and waited >= self.patience:
                stop_reason = (
                    f"validation loss did not improve for {self.patience} epochs after epoch {best_epoch}"
                )
                stopped_early = True
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return {
            "epochs": epochs,
            "best_epoch": best_epoch,
            "stopped_early": stopped_early,
            "stop_reason": stop_reason,
            "gradient_norms": gradients.summary(),
            "train_rows_per_second": train_rows / train_seconds if train_seconds > 0 else 0.0,
        }

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities `(n, K)`, float64, rows summing to 1."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float32)
        parts = []
        # Host-side chunks: only one chunk of a large prediction set is on the device at a time.
        for start in range(0, len(X), EVAL_CHUNK_ROWS):
            chunk = torch.as_tensor(
                np.ascontiguousarray(X[start : start + EVAL_CHUNK_ROWS]), device=self.device_
            )
            logits = predict_logits(self.model_, chunk, mixed_precision=self.mixed_precision_)
            with torch.inference_mode():
                parts.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
        proba = np.concatenate(parts) if parts else np.empty((0, len(self.classes_)))
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class index per row, `(n,)`."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _new_model(self, n_classes: int, device: torch.device, *, dropout: float | None = None) -> ResNetMLP:
        return ResNetMLP(
            d_in=self.n_features_in_,
            d_out=n_classes,
            d_main=self.d_main,
            d_hidden=self.d_hidden,
            n_blocks=self.n_blocks,
            dropout=self.dropout if dropout is None else dropout,
        ).to(device)

    def _check_training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True)
        y = self._check_labels(y)
        if len(y) < 2:
            raise ValueError(f"need at least 2 training rows, got {len(y)}")
        n_classes = int(y.max()) + 1
        if n_classes < 2 or len(np.unique(y)) != n_classes:
            raise ValueError(
                f"y must hold class indices 0..K-1 with every class present and K >= 2; got classes {np.unique(y)}"
            )
        return X, y

    @staticmethod
    def _check_labels(y: np.ndarray) -> np.ndarray:
        y = column_or_1d(y)
        if y.size and (not np.all(np.isfinite(y)) or np.any(y != np.round(y)) or y.min() < 0):
            raise ValueError("y must hold non-negative integer class indices")
        return y.astype(np.int64)

    def _validation_split(
        self,
        X: np.ndarray,
        y: np.ndarray,
        X_val: np.ndarray | None,
        y_val: np.ndarray | None,
        n_classes: int,
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = validate_data(self, X_val, reset=False, dtype=np.float32)
            assert y_val is not None  # both or neither, checked above
            y_val = self._check_labels(y_val)
            if len(y_val) != len(X_val) or len(y_val) == 0:
                raise ValueError(
                    f"X_val and y_val must be non-empty with one label per row; got {len(X_val)}, {len(y_val)}"
                )
            if y_val.max() >= n_classes:
                raise ValueError(
                    f"y_val has class index {y_val.max()} but the training labels have {n_classes} classes"
                )
            return X, y, X_val, y_val
        if not self.validation_fraction:
            return X, y, None, None
        counts = np.bincount(y, minlength=n_classes)
        # Stratify whenever every class can spare a row to each side; otherwise a plain random split.
        stratify = y if counts.min() >= 2 else None
        X_fit, X_hold, y_fit, y_hold = train_test_split(
            X, y, test_size=self.validation_fraction, random_state=seed, stratify=stratify
        )
        return X_fit, y_fit, X_hold, y_hold

    def _check_hyperparameters(self) -> None:
        def integer(name: str, minimum: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
                raise InvalidOption(f"{name} must be an integer >= {minimum}, got {value!r}")

        def number(
            name: str, low: float, high: float, *, optional: bool = False, low_open: bool = False
        ) -> None:
            value = getattr(self, name)
            if optional and value is None:
                return
            ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or not (low < value if low_open else low <= value) or value > high:
                bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"
                raise InvalidOption(f"{name} must be a number in {bounds}, got {value!r}")

        for name in ("d_main", "d_hidden", "n_blocks", "max_epochs", "patience"):
            integer(name, 1)
        integer("batch_size", 2)  # BatchNorm needs two rows per batch
        number("dropout", 0.0, 0.99)
        number("lr", 0.0, 10.0, optional=True, low_open=True)
        number("weight_decay", 0.0, 1.0)
        number("validation_fraction", 0.0, 0.5)
        number("time_budget_s", 0.0, math.inf, optional=True, low_open=True)
        if not isinstance(self.overfit_check, bool):
            raise InvalidOption(f"overfit_check must be True or False, got {self.overfit_check!r}")


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the weights on their device (cheap next to an epoch; no host transfer)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
