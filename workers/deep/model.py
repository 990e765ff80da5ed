"""The tabular ResNet of Gorishniy et al. 2021 ("Revisiting Deep Learning Models for Tabular Data")."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

HE_NORMAL = "He (Kaiming) normal, fan_in, ReLU gain"
GLOROT_UNIFORM = "Glorot (Xavier) uniform"
INITIALISATION_SUMMARY = (
    "He (Kaiming) normal for the hidden Linear layers (ReLU network), "
    "Glorot (Xavier) uniform for the output layer; biases zero"
)


class ResidualBlock(nn.Module):
    """BatchNorm → Linear → ReLU → Dropout → Linear → Dropout, added to the skip connection.

    Shapes: `(batch, d_main) -> (batch, d_main)`.
    """

    def __init__(self, *, d_main: int, d_hidden: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(d_main)
        self.linear_first = nn.Linear(d_main, d_hidden)
        self.activation = nn.ReLU()
        self.dropout_first = nn.Dropout(dropout)
        self.linear_second = nn.Linear(d_hidden, d_main)
        self.dropout_second = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.activation(self.linear_first(self.norm(x)))
        z = self.dropout_second(self.linear_second(self.dropout_first(z)))
        return x + z


class ResNetMLP(nn.Module):
    """Tabular ResNet: `Linear(d_in→d_main)`, `n_blocks` residual blocks, then BatchNorm → ReLU → Linear.

    Input `x`: float tensor `(batch, d_in)`; output: logits `(batch, d_out)`.

    Initialisation matches the nonlinearity: every hidden Linear layer is He (Kaiming) normal,
    because the network's nonlinearity is ReLU — `linear_first` feeds a ReLU directly, and the input
    layer and `linear_second` write to the residual stream that reaches a ReLU after BatchNorm. The
    output layer produces logits with no ReLU after it, so it gets Glorot (Xavier) uniform. Biases
    start at zero. `initialisation` lists the scheme per layer for the report.
    """

    def __init__(
        self,
        *,
        d_in: int,
        d_out: int,
        d_main: int,
        d_hidden: int,
        n_blocks: int,
        dropout: float,
    ) -> None:
        for name, value in (("d_in", d_in), ("d_out", d_out), ("d_main", d_main), ("d_hidden", d_hidden)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, however: {name}={value!r}")
        if isinstance(n_blocks, bool) or not isinstance(n_blocks, int) or n_blocks < 1:
            raise ValueError(f"n_blocks must be a positive integer, however: {n_blocks=}")
        if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a number in [0, 1), however: {dropout=}")
        super().__init__()
        self.input = nn.Linear(d_in, d_main)
        self.blocks = nn.Sequential(
            *(
                ResidualBlock(d_main=d_main, d_hidden=d_hidden, dropout=float(dropout))
                for _ in range(n_blocks)
            )
        )
        self.head = nn.Sequential(
            OrderedDict(
                norm=nn.BatchNorm1d(d_main),
                activation=nn.ReLU(),
                linear=nn.Linear(d_main, d_out),
            )
        )
        self.initialisation: dict[str, str] = {}
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """(Re)initialise every Linear layer; BatchNorm keeps torch's (weight 1, bias 0)."""
        output = self.head.linear
        self.initialisation = {}
        for name, module in self.named_modules():
            if not isinstance(module, nn.Linear):
                continue
            if module is output:
                nn.init.xavier_uniform_(module.weight)
                self.initialisation[name] = GLOROT_UNIFORM
            else:
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                self.initialisation[name] = HE_NORMAL
            nn.init.zeros_(module.bias)

    @property
    def initialisation_summary(self) -> str:
        return INITIALISATION_SUMMARY

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`(batch, d_in) -> (batch, d_out)` logits."""
        return self.head(self.blocks(self.input(x)))
