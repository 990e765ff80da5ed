"""`TabMNet`: the `tabm` package's TabM (Gorishniy et al., ICLR 2025) shaped for our training loop.

TabM is one network that holds k MLPs sharing most of their weights (BatchEnsemble). The paper trains each
member on its own loss and predicts with the mean of the members' probabilities. Our loop and checks call
`model(x)` and read logits `(n, K)`; so in training mode this module returns the members' logits
`(n, k, K)` (the loss in `workers.deep.loop.cross_entropy` averages over members), and in eval mode the log
of the members' mean probability `(n, K)` — a "logit" whose softmax is exactly that mean, so evaluation,
prediction and early stopping see the ensemble, not one member.
"""

from __future__ import annotations

import math
import warnings

import rtdl_num_embeddings
import tabm
import torch
from torch import nn

D_EMBEDDING = 16  # width of each numeric feature's piecewise-linear embedding (the paper's TabM† uses 16)


class TabMNet(nn.Module):
    """TabM over `d_in` numeric inputs (already quantile-transformed; one-hot columns count as numeric).

    `bins` (one tensor of edges per input, from the training rows) turns on piecewise-linear embeddings;
    None feeds the raw numbers. Output: `(n, k, d_out)` in training mode, `(n, d_out)`
    log mean probabilities in eval mode.
    """

    def __init__(
        self,
        *,
        d_in: int,
        d_out: int,
        k: int,
        n_blocks: int,
        d_block: int,
        dropout: float,
        bins: list[torch.Tensor] | None = None,
    ) -> None:
        super().__init__()
        embeddings = None
        if bins is not None:
            with warnings.catch_warnings():
                # A one-hot column has a single bin by design (`piecewise_bins`); the package warns about each.
                warnings.filterwarnings("ignore", message=".*just two bin edges", category=UserWarning)
                embeddings = rtdl_num_embeddings.PiecewiseLinearEmbeddings(
                    bins, D_EMBEDDING, activation=False, version="B"
                )
        self.k = k
        self.net = tabm.TabM.make(
            n_num_features=d_in,
            d_out=d_out,
            num_embeddings=embeddings,
            k=k,
            n_blocks=n_blocks,
            d_block=d_block,
            dropout=dropout,
        )

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def initialisation(self) -> dict[str, str]:
        """The scheme of each layer, as `ResNetMLP.initialisation` gives it: here one scheme, TabM's own."""
        return {"backbone": self.initialisation_summary}

    @property
    def initialisation_summary(self) -> str:
        return "TabM's own: rsqrt-uniform weights, random-sign or normal adapters (tabm package)"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        members = self.net(x)  # (n, k, K)
        if self.training:
            return members
        # log(mean_k softmax) in a stable form: logsumexp over members of the log-probabilities, minus log k.
        return torch.logsumexp(torch.log_softmax(members.float(), dim=-1), dim=1) - math.log(self.k)
