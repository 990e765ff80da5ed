"""`SmallResNet`: a small convolutional ResNet trained from scratch on the images' pixels.

What the talks teach about training deep convolutional networks, each visible here: convolutions → batch
norm → ReLU; residual blocks whose skip connections let the gradient reach the first layers; He (Kaiming)
initialisation, because every convolution feeds a ReLU; global average pooling and one linear head.

The module takes the flat pixel rows the training loop hands every model, `(batch, channels·size·size)`
(already scaled by the pipeline's `PixelScaler`), and reshapes them. Augmentation (random shifts, optional
horizontal flips) runs in training mode only, as batched tensor ops on the device: no per-image Python.
It imports torch only, so an exported bundle can ship this file as its architecture.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

HE_NORMAL = "He (Kaiming) normal, fan_in, ReLU gain"
GLOROT_UNIFORM = "Glorot (Xavier) uniform"
INITIALISATION_SUMMARY = (
    "He (Kaiming) normal for every convolution (each feeds a ReLU), Glorot (Xavier) uniform for the linear "
    "head; BatchNorm weight 1, bias 0; biases zero"
)
STAGES = 3  # widths w, 2w, 4w at sizes s, s/2, s/4
EVAL_CHUNK_IMAGES = 1024  # images per forward pass in eval mode: bounds the activations' memory
SHIFT_FRACTION = 8  # random shifts of up to size / 8 pixels each way


class ResidualBlock(nn.Module):
    """conv3×3 → BN → ReLU → conv3×3 → BN, added to the skip connection, then ReLU. A block that changes the
    width or the size has a 1×1 convolution (with BN) on its skip path."""

    def __init__(self, d_in: int, d_out: int, stride: int) -> None:
        super().__init__()
        self.conv_first = nn.Conv2d(d_in, d_out, 3, stride=stride, padding=1, bias=False)
        self.norm_first = nn.BatchNorm2d(d_out)
        self.conv_second = nn.Conv2d(d_out, d_out, 3, padding=1, bias=False)
        self.norm_second = nn.BatchNorm2d(d_out)
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or d_in != d_out:
            self.skip = nn.Sequential(
                nn.Conv2d(d_in, d_out, 1, stride=stride, bias=False), nn.BatchNorm2d(d_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = F.relu(self.norm_first(self.conv_first(x)))
        z = self.norm_second(self.conv_second(z))
        return F.relu(z + self.skip(x))


class SmallResNet(nn.Module):
    """Stem conv3×3 (width) → BN → ReLU; 3 stages of `blocks_per_stage` residual blocks (width, 2·width,
    4·width; the 2nd and 3rd halve the size); global average pooling; dropout; linear head.

    Input `(batch, channels·size·size)` float; output logits `(batch, d_out)`. `augment`: 0 none, 1 random
    shifts, 2 shifts and horizontal flips, applied to training batches only.
    """

    def __init__(
        self,
        *,
        channels: int,
        size: int,
        d_out: int,
        width: int = 16,
        blocks_per_stage: int = 1,
        dropout: float = 0.1,
        augment: int = 1,
    ) -> None:
        for name, value in (("channels", channels), ("size", size), ("d_out", d_out), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, however: {name}={value!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), however: {dropout=}")
        super().__init__()
        self.channels, self.size, self.augment = channels, size, int(augment)
        self.stem = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()
        )
        blocks: list[nn.Module] = []
        d_in = width
        for stage in range(STAGES):
            d_out_stage = width * 2**stage
            for index in range(blocks_per_stage):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(ResidualBlock(d_in, d_out_stage, stride))
                d_in = d_out_stage
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(float(dropout))
        self.head = nn.Linear(d_in, d_out)
        self.initialisation: dict[str, str] = {}
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He normal for every convolution, Glorot for the head; BatchNorm keeps torch's (1, 0)."""
        self.initialisation = {}
        for name, module in self.named_modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                self.initialisation[name] = HE_NORMAL
            elif isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
                self.initialisation[name] = GLOROT_UNIFORM

    @property
    def initialisation_summary(self) -> str:
        return INITIALISATION_SUMMARY

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        images = x.reshape(x.shape[0], self.channels, self.size, self.size)
        if self.training:
            return self._logits(augment(images, self.augment))
        # Eval mode may get a whole split at once: chunks keep the activations' memory bounded.
        return (
            torch.cat([self._logits(part) for part in images.split(EVAL_CHUNK_IMAGES)])
            if len(images)
            else (self._logits(images))
        )

    def _logits(self, images: torch.Tensor) -> torch.Tensor:
        z = self.blocks(self.stem(images))
        return self.head(self.dropout(z.mean(dim=(2, 3))))


def augment(images: torch.Tensor, mode: int) -> torch.Tensor:
    """Random shifts of up to size/8 pixels (the edge pixels repeated into the gap, so a black background stays
    black whatever the scaling), and with `mode` 2 horizontal flips of half
    the images, for a batch `(n, c, s, s)`: a handful of batched ops on the device, whatever the batch size."""
    if mode <= 0 or images.shape[0] == 0:
        return images
    n, _, size, _ = images.shape
    if mode >= 2:
        flip = torch.rand(n, device=images.device) < 0.5
        images = torch.where(flip[:, None, None, None], images.flip(-1), images)
    pad = max(1, size // SHIFT_FRACTION)
    padded = F.pad(images, (pad, pad, pad, pad), mode="replicate")
    # Each image's window into its padded copy: one gather along rows, one along columns.
    offsets = torch.randint(0, 2 * pad + 1, (2, n), device=images.device)
    steps = torch.arange(size, device=images.device)
    rows = (offsets[0][:, None] + steps)[:, None, :, None].expand(-1, padded.shape[1], -1, padded.shape[3])
    picked = padded.gather(2, rows)
    cols = (offsets[1][:, None] + steps)[:, None, None, :].expand(-1, padded.shape[1], size, -1)
    return picked.gather(3, cols)
