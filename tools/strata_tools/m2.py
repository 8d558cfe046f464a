"""Kingma et al.'s M2 (semi-supervised VAE, 2014) following the Strata model contract with a
conditioning class (version 2, `condition`).

Generative model p(y) p(z) p(x | y, z): y uniform over K classes, z ~ N(0, I), Bernoulli
p(x | y, z) from an MLP on [z, y]. Inference q(y | x) (the classifier) and q(z | x, y).
The contract methods take y as a [B, K] float32 tensor (one-hot, or class probabilities)
as their last argument; `classify(x)` returns the logits of q(y | x).
"""
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F

from .models import bernoulli_log_px


def mlp(sizes: List[int]) -> nn.Sequential:
    layers: List[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.Softplus())
    return nn.Sequential(*layers)


class M2(nn.Module):
    strata_meta: str

    def __init__(self, classes: int = 10, latent_dim: int = 32, hidden: int = 500,
                 pixels: int = 784, side: int = 28):
        super().__init__()
        self.classes = classes
        self.latent_dim = latent_dim
        self.side = side
        self.classifier = mlp([pixels, hidden, hidden, classes])
        self.encoder = mlp([pixels + classes, hidden, hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim + classes, hidden, hidden, pixels])
        self.strata_meta = ""

    def q_z(self, x: torch.Tensor, y: torch.Tensor):
        h = self.encoder(torch.cat([x.flatten(1), y], 1))
        mean, logvar = h.chunk(2, 1)
        return mean, torch.clamp(logvar, -10.0, 6.0)

    def logits(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, y], 1)).reshape(z.shape[0], 1, self.side, self.side)

    @torch.jit.export
    def classify(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x.flatten(1))

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool, y: torch.Tensor) -> Dict[str, List[torch.Tensor]]:
        mean, logvar = self.q_z(x, y)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean) if sample else mean
        zeros = torch.zeros_like(mean)
        return {"z": [z], "q_mean": [mean], "q_logvar": [logvar],
                "p_mean": [zeros], "p_logvar": [zeros.clone()]}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(z[0], y))

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float], y: torch.Tensor) -> List[torch.Tensor]:
        if len(fixed) == 1:
            return [fixed[0]]
        return [temperature[0] * eps[0]]

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor], y: torch.Tensor) -> torch.Tensor:
        return bernoulli_log_px(self.logits(z[0], y), x)


def elbo_given_class(model: M2, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One-sample ELBO(x, y) = E_q(z|x,y)[log p(x|y,z)] - KL(q(z|x,y) || p(z)) + log p(y), [B]."""
    mean, logvar = model.q_z(x, y)
    z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
    kl = 0.5 * (torch.exp(logvar) + mean ** 2 - 1.0 - logvar).sum(1)
    log_py = -torch.log(torch.tensor(float(model.classes)))
    return bernoulli_log_px(model.logits(z, y), x) - kl + log_py


def unlabelled_bound(model: M2, x: torch.Tensor) -> torch.Tensor:
    """U(x) = sum_y q(y|x) ELBO(x, y) + H(q(y|x)), the M2 bound on log p(x), [B]."""
    k = model.classes
    b = x.shape[0]
    log_q = F.log_softmax(model.classify(x), 1)
    xs = x.repeat(k, 1, 1, 1)
    ys = torch.eye(k).repeat_interleave(b, 0)
    elbo = elbo_given_class(model, xs, ys).reshape(k, b).t()
    q = log_q.exp()
    return (q * elbo).sum(1) - (q * log_q).sum(1)
