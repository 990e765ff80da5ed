"""`CNNClassifier`: the small ResNet of `cnn_model` trained by the shared trainer; `PixelScaler`, the pixel
scaling step in front of every image network's pipeline.

`CNNClassifier` is `ResNetMLPClassifier` with another network, as `TabMClassifier` is: the overfit-a-batch
check, the LR range test (when `lr=None`), AdamW, the whole split on the device with batches sliced from one
permutation, bf16 autocast on CUDA, early stopping on the validation loss, per-layer gradient norms (here of
every convolution and the head) and the time budget all come from there. The geometry (channels, size) is
the pixel frame's (`workers.data.images.image_set.geometry_of`); the caller passes it.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from workers.data.images.image_set import geometry_of
from workers.deep.cnn_model import SmallResNet
from workers.deep.loop import ShouldStop
from workers.deep.tabm_trainer import _integer, _number
from workers.deep.trainer import OnEpoch, ResNetMLPClassifier
from workers.errors import InvalidOption

# The Lite weights were converted from Google's TF release, whose input pipeline feeds (pixel - 127) / 128
# on 0..255 pixels (efficientnet/lite: MEAN_RGB = [127.0] * 3, STDDEV_RGB = [128.0] * 3).
EFFICIENTNET_MEAN = 127.0
EFFICIENTNET_STD = 128.0


class PixelScaler(TransformerMixin, BaseEstimator):
    """Pixels 0..255 → the inputs an image network expects, flat rows in the frame's channel-major order.

    `mode="standardise"`: x/255, minus each channel's mean over the training rows, over its standard
    deviation (the CNN's; fitted on the training split only, as the tables' quantile transform is).
    `mode="efficientnet"`: (x - 127) / 128, fixed, as the pretrained EfficientNet-Lite weights expect.
    `channels` is used when the frame's column names do not carry the geometry (a bare array).
    """

    def __init__(
        self, mode: Literal["standardise", "efficientnet"] = "standardise", channels: int = 1
    ) -> None:
        self.mode = mode
        self.channels = channels

    def fit(self, X: object, y: object = None) -> PixelScaler:
        values = validate_data(self, X, reset=True, dtype=np.float32)
        names = getattr(self, "feature_names_in_", None)
        geometry = None if names is None else geometry_of(list(names))
        self.channels_ = geometry.channels if geometry is not None else int(self.channels)
        if values.shape[1] % self.channels_:
            raise ValueError(f"{values.shape[1]} pixel columns do not split into {self.channels_} channels")
        if self.mode == "efficientnet":
            self.mean_ = np.full(self.channels_, EFFICIENTNET_MEAN, dtype=np.float32)
            self.scale_ = np.full(self.channels_, EFFICIENTNET_STD, dtype=np.float32)
        elif self.mode == "standardise":
            per_channel = values.reshape(len(values), self.channels_, -1)
            self.mean_ = per_channel.mean(axis=(0, 2), dtype=np.float64).astype(np.float32)
            std = per_channel.std(axis=(0, 2), dtype=np.float64).astype(np.float32)
            self.scale_ = np.where(std > 1e-6, std, 1.0).astype(np.float32)  # a constant channel stays put
        else:
            raise InvalidOption(
                f"PixelScaler mode must be 'standardise' or 'efficientnet', got {self.mode!r}"
            )
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "mean_")
        values = validate_data(self, X, reset=False, dtype=np.float32)
        per_channel = values.reshape(len(values), self.channels_, -1)
        scaled = (per_channel - self.mean_[None, :, None]) / self.scale_[None, :, None]
        return np.ascontiguousarray(scaled.reshape(len(values), -1), dtype=np.float32)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self.feature_names_in_, dtype=object)


class ImageNetworkClassifier(ResNetMLPClassifier):
    """What the image networks share on top of the shared trainer: flat pixel rows of one geometry in
    (`channels` × `image_size`²), gradient norms per convolution and linear layer, and the constructor
    arguments every image module takes. Subclasses set `model_words` and their own hyperparameters."""

    gradient_layers = (torch.nn.Conv2d, torch.nn.Linear)
    model_words = "The image model"  # how messages name the model
    channels: int
    image_size: int
    dropout: float
    augment: int

    def image_module_kwargs(self, n_classes: int | None = None) -> dict[str, Any]:
        """The constructor arguments every image module takes (an exported bundle rebuilds it from them)."""
        return {
            "channels": int(self.channels),
            "size": int(self.image_size),
            "d_out": int(n_classes if n_classes is not None else len(self.classes_)),
            "dropout": float(self.dropout),
            "augment": int(self.augment),
        }

    def _check_training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, y = super()._check_training_data(X, y)
        check_pixel_count(X, channels=self.channels, size=self.image_size, model=self.model_words)
        return X, y


class CNNClassifier(ImageNetworkClassifier):
    """The small ResNet (`SmallResNet`) behind the scikit-learn API, trained by the shared trainer.

    `X` holds flat, scaled pixel rows `(n, channels·image_size²)`. Attributes after `fit` as
    `ResNetMLPClassifier`'s; `diagnostics_` also holds `architecture` (what the network is made of, in words)
    and `augment`.
    """

    model_words = "The CNN"

    def __init__(
        self,
        *,
        channels: int = 1,
        image_size: int = 32,
        width: int = 16,
        blocks_per_stage: int = 1,
        dropout: float = 0.1,
        augment: int = 1,
        lr: float | None = None,
        weight_decay: float = 5e-4,
        batch_size: int = 128,
        max_epochs: int = 60,
        patience: int = 8,
        validation_fraction: float = 0.1,
        device: str = "auto",
        mixed_precision: str | bool = "auto",
        random_state: int | np.random.RandomState | None = 0,
        overfit_check: bool = True,
        time_budget_s: float | None = None,
    ) -> None:
        self.channels = channels
        self.image_size = image_size
        self.width = width
        self.blocks_per_stage = blocks_per_stage
        self.dropout = dropout
        self.augment = augment
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
    ) -> CNNClassifier:
        """As `ResNetMLPClassifier.fit`."""
        super().fit(X, y, X_val=X_val, y_val=y_val, on_epoch=on_epoch, should_stop=should_stop)
        self.diagnostics_.update(
            {
                "architecture": architecture_words(self.width, self.blocks_per_stage),
                "augment": augmentation_words(self.augment),
                "time_budget_s": self.time_budget_s,
            }
        )
        return self

    def _new_model(  # type: ignore[override]
        self, n_classes: int, device: torch.device, *, dropout: float | None = None
    ) -> SmallResNet:
        # dropout=0.0 is the overfit check's fresh network: augmentation would fight memorisation as dropout
        # does, so both are off there.
        checking = dropout == 0.0
        return SmallResNet(
            **{**self.module_init_kwargs(n_classes), **({"dropout": 0.0, "augment": 0} if checking else {})}
        ).to(device)

    def module_init_kwargs(self, n_classes: int | None = None) -> dict[str, Any]:
        """The fitted `SmallResNet`'s constructor arguments (for an exported bundle)."""
        return {
            **self.image_module_kwargs(n_classes),
            "width": int(self.width),
            "blocks_per_stage": int(self.blocks_per_stage),
        }

    def _check_hyperparameters(self) -> None:
        for name in ("channels", "image_size", "width", "blocks_per_stage", "max_epochs", "patience"):
            _integer(self, name, 1)
        _integer(self, "batch_size", 2)
        _integer(self, "augment", 0)
        _number(self, "augment", 0, 2)
        _number(self, "dropout", 0.0, 0.99)
        _number(self, "lr", 0.0, 10.0, optional=True, low_open=True)
        _number(self, "weight_decay", 0.0, 1.0)
        _number(self, "validation_fraction", 0.0, 0.5)
        _number(self, "time_budget_s", 0.0, math.inf, optional=True, low_open=True)
        if not isinstance(self.overfit_check, bool):
            raise InvalidOption(f"overfit_check must be True or False, got {self.overfit_check!r}")


def check_pixel_count(X: np.ndarray, *, channels: int, size: int, model: str) -> None:
    """`InvalidOption` unless every row of `X` holds one image of `channels` × `size` × `size` pixels."""
    expected = channels * size * size
    if X.shape[1] != expected:
        raise InvalidOption(
            f"{model} expects {expected} pixel columns ({channels} × {size} × {size}), got {X.shape[1]}."
        )


def architecture_words(width: int, blocks_per_stage: int) -> str:
    widths = ", ".join(str(width * 2**stage) for stage in range(3))
    return (
        f"conv3×3 stem → BatchNorm → ReLU; 3 stages of {blocks_per_stage} residual block(s) (widths {widths}; "
        "skip connections, a 1×1 convolution where the shape changes); global average pooling; linear head"
    )


def augmentation_words(mode: int) -> str:
    return {0: "none", 1: "random shifts (training batches only)"}.get(
        int(mode), "random shifts and horizontal flips (training batches only)"
    )
