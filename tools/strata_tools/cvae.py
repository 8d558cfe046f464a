"""A plain conditional VAE (Sohn et al. 2015, with the class as the condition) following the
Strata model contract, version 2 (`condition` without a classifier, and `objective`).

Generative model p(z) p(x | y, z): z ~ N(0, I) whatever the class, Gaussian p(x | y, z) =
N(mean(z, y), decoder_std^2 I) with a fixed decoder_std (Dang et al.'s eta_dec) and an MLP
mean on [z, y]. Inference q(z | x, y). The objective -E_q[log p(x|y,z)] + beta KL(q || p).
"""
import math
from typing import Dict, List

import torch
import torch.nn as nn

from .m2 import mlp


class GaussianCVAE(nn.Module):
    strata_meta: str

    def __init__(self, classes: int = 10, latent_dim: int = 16, hidden: int = 256,
                 pixels: int = 784, side: int = 28, decoder_std: float = 0.75):
        super().__init__()
        self.classes = classes
        self.latent_dim = latent_dim
        self.side = side
        self.decoder_std = decoder_std
        self.encoder = mlp([pixels + classes, hidden, hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim + classes, hidden, hidden, pixels])
        self.strata_meta = ""

    def q_z(self, x: torch.Tensor, y: torch.Tensor):
        h = self.encoder(torch.cat([x.flatten(1), y], 1))
        mean, logvar = h.chunk(2, 1)
        return mean, torch.clamp(logvar, -10.0, 6.0)

    def mean(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # The Gaussian's mean kept in the data's range [0, 1].
        return torch.sigmoid(self.decoder(torch.cat([z, y], 1))).reshape(
            z.shape[0], 1, self.side, self.side)

    def gaussian_log_px(self, mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        var = self.decoder_std * self.decoder_std
        d = float(mean[0].numel())
        sq = ((x - mean) ** 2).flatten(1).sum(1)
        return -0.5 * sq / var - 0.5 * d * math.log(2.0 * math.pi * var)

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool, y: torch.Tensor) -> Dict[str, List[torch.Tensor]]:
        mean, logvar = self.q_z(x, y)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean) if sample else mean
        zeros = torch.zeros_like(mean)
        return {"z": [z], "q_mean": [mean], "q_logvar": [logvar],
                "p_mean": [zeros], "p_logvar": [zeros.clone()]}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
        return self.mean(z[0], y)

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float], y: torch.Tensor) -> List[torch.Tensor]:
        if len(fixed) == 1:
            return [fixed[0]]
        return [temperature[0] * eps[0]]

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
        return self.gaussian_log_px(self.mean(z[0], y), x)


def loss(model: GaussianCVAE, x: torch.Tensor, y: torch.Tensor, beta: float):
    """Mean over the batch of -E_q[log p(x|y,z)] + beta KL, one sample; and the per-unit KL."""
    mean, logvar = model.q_z(x, y)
    z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
    kl_units = 0.5 * (torch.exp(logvar) + mean ** 2 - 1.0 - logvar)
    rec = model.gaussian_log_px(model.mean(z, y), x)
    return (-rec + beta * kl_units.sum(1)).mean(), kl_units.mean(0)
