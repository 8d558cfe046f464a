"""Reference model definitions that follow the Strata model contract (version 1).

* ConvVAE      - flat convolutional VAE, Bernoulli likelihood; trained with the
                 beta-VAE or beta-TCVAE objective (see losses.py).
* LadderVAE    - hierarchical VAE with top-down inference (Ladder VAE, Sonderby et al.
                 2016): posterior of each layer is the precision-weighted merge of a
                 bottom-up estimate and the top-down conditional prior. Three
                 stochastic layers, top first: z_top [8], z_mid [16], z_bottom [4,7,7].

All contract methods are TorchScript-compatible (torch.jit.script).
"""
import math
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F

LOG_2PI = math.log(2.0 * math.pi)
LOGVAR_MIN = -10.0  # log-variances are clamped to [LOGVAR_MIN, LOGVAR_MAX]
LOGVAR_MAX = 6.0    # (literals repeated in scripted code: TorchScript has no float globals)


def gaussian_kl(q_mean: torch.Tensor, q_logvar: torch.Tensor,
                p_mean: torch.Tensor, p_logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise KL(N(q_mean, exp q_logvar) || N(p_mean, exp p_logvar))."""
    return 0.5 * (p_logvar - q_logvar
                  + (torch.exp(q_logvar) + (q_mean - p_mean) ** 2) * torch.exp(-p_logvar)
                  - 1.0)


def gaussian_log_density(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(z; mean, exp logvar)."""
    return -0.5 * (LOG_2PI + logvar + (z - mean) ** 2 * torch.exp(-logvar))


def bernoulli_log_px(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-item sum of x*log(p) + (1-x)*log(1-p), p = sigmoid(logits); [B]."""
    ll = -F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return ll.flatten(1).sum(1)


class Reshape(nn.Module):
    def __init__(self, c: int, h: int, w: int):
        super().__init__()
        self.c = c
        self.h = h
        self.w = w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], self.c, self.h, self.w)


# --------------------------------------------------------------------------
# Flat VAE
# --------------------------------------------------------------------------
class ConvVAE(nn.Module):
    """Flat VAE with a single latent vector layer "z".

    image_size 28: conv 32-64 (stride 2) + MLP 256, for 28x28 inputs.
    image_size 64: conv 32-32-64-64 (stride 2) + MLP 256, for 64x64 inputs.
    """
    strata_meta: str

    def __init__(self, latent_dim: int = 16, image_size: int = 28, channels: int = 1,
                 hidden: int = 256):
        super().__init__()
        self.strata_meta = ""
        self.latent_dim = latent_dim
        self.image_size = image_size
        if image_size == 28:
            enc = [nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(),
                   nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten()]
            feat, fc, fs = 64 * 7 * 7, 64, 7
            dec_conv = [nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(32, channels, 4, 2, 1)]
        elif image_size == 64:
            enc = [nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(),
                   nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
                   nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
                   nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(), nn.Flatten()]
            feat, fc, fs = 64 * 4 * 4, 64, 4
            dec_conv = [nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(32, channels, 4, 2, 1)]
        else:
            raise ValueError("image_size must be 28 or 64")
        self.encoder = nn.Sequential(*enc, nn.Linear(feat, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(),
                                     nn.Linear(hidden, feat), nn.ReLU(),
                                     Reshape(fc, fs, fs), *dec_conv)

    def decode_logits(self, z: List[torch.Tensor]) -> torch.Tensor:
        return self.decoder(z[0])

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        h = self.encoder(x)
        q_mean = h[:, :self.latent_dim]
        q_logvar = torch.clamp(h[:, self.latent_dim:], -10.0, 6.0)
        if sample:
            z = q_mean + torch.exp(0.5 * q_logvar) * torch.randn_like(q_mean)
        else:
            z = q_mean
        zeros = torch.zeros_like(q_mean)
        return {"z": [z], "q_mean": [q_mean], "q_logvar": [q_logvar],
                "p_mean": [zeros], "p_logvar": [zeros]}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        if len(fixed) == 1:
            return [fixed[0]]
        return [eps[0] * temperature[0]]

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        return bernoulli_log_px(self.decode_logits(z), x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction from the posterior means."""
        return self.decode(self.posterior(x, False)["z"])


# --------------------------------------------------------------------------
# Ladder VAE
# --------------------------------------------------------------------------
def _split_params(h: torch.Tensor, n: int):
    return h[:, :n], torch.clamp(h[:, n:], -10.0, 6.0)  # LOGVAR_MIN, LOGVAR_MAX


def precision_merge(m1: torch.Tensor, lv1: torch.Tensor, m2: torch.Tensor, lv2: torch.Tensor):
    """Precision-weighted product of two Gaussians (Ladder VAE merge)."""
    lv = -torch.logaddexp(-lv1, -lv2)
    m = m1 * torch.exp(lv - lv1) + m2 * torch.exp(lv - lv2)
    return m, lv


class LadderVAE(nn.Module):
    """Ladder VAE for 28x28x1 images with three stochastic layers (top first):
        z_top [8]  ->  z_mid [16]  ->  z_bottom [4,7,7]  ->  x
    Generative model: z_top ~ N(0,I); p(z_mid|z_top), p(z_bottom|z_mid) Gaussian with
    learned mean/logvar; p(x|z_bottom) Bernoulli.
    Inference: bottom-up deterministic pass gives (m_hat, lv_hat) per layer; the
    top-down pass merges them with the conditional prior by precision weighting.
    """
    strata_meta: str

    def __init__(self, top: int = 8, mid: int = 16, bottom_ch: int = 4, width: int = 64,
                 hidden: int = 256):
        super().__init__()
        self.strata_meta = ""
        self.top = top
        self.mid = mid
        self.bottom_ch = bottom_ch
        # ---- bottom-up (deterministic) ----
        self.bu1 = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),
                                 nn.Conv2d(32, width, 4, 2, 1), nn.ReLU())      # [w,7,7]
        self.bu1_q = nn.Conv2d(width, 2 * bottom_ch, 3, 1, 1)
        self.bu2 = nn.Sequential(nn.Flatten(), nn.Linear(width * 49, hidden), nn.ReLU())
        self.bu2_q = nn.Linear(hidden, 2 * mid)
        self.bu3 = nn.Sequential(nn.Linear(hidden, hidden // 2), nn.ReLU())
        self.bu3_q = nn.Linear(hidden // 2, 2 * top)
        # ---- top-down (generative) ----
        self.td_mid = nn.Sequential(nn.Linear(top, hidden // 2), nn.ReLU(),
                                    nn.Linear(hidden // 2, hidden // 2), nn.ReLU(),
                                    nn.Linear(hidden // 2, 2 * mid))
        self.td_bottom = nn.Sequential(nn.Linear(mid, hidden), nn.ReLU(),
                                       nn.Linear(hidden, width * 49), nn.ReLU(),
                                       Reshape(width, 7, 7),
                                       nn.Conv2d(width, width, 3, 1, 1), nn.ReLU(),
                                       nn.Conv2d(width, 2 * bottom_ch, 3, 1, 1))
        self.dec = nn.Sequential(nn.Conv2d(bottom_ch, width, 3, 1, 1), nn.ReLU(),
                                 nn.Conv2d(width, width, 3, 1, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(width, 32, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def prior_params(self, level: int, z_above: torch.Tensor):
        """Conditional prior of layer `level` (1 = mid, 2 = bottom) given the layer above."""
        if level == 1:
            return _split_params(self.td_mid(z_above), self.mid)
        return _split_params(self.td_bottom(z_above), self.bottom_ch)

    def decode_logits(self, z: List[torch.Tensor]) -> torch.Tensor:
        return self.dec(z[2])

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        d1 = self.bu1(x)
        d2 = self.bu2(d1)
        d3 = self.bu3(d2)
        bu_m: List[torch.Tensor] = []
        bu_lv: List[torch.Tensor] = []
        m, lv = _split_params(self.bu3_q(d3), self.top)
        bu_m.append(m)
        bu_lv.append(lv)
        m, lv = _split_params(self.bu2_q(d2), self.mid)
        bu_m.append(m)
        bu_lv.append(lv)
        m, lv = _split_params(self.bu1_q(d1), self.bottom_ch)
        bu_m.append(m)
        bu_lv.append(lv)

        zs: List[torch.Tensor] = []
        qm: List[torch.Tensor] = []
        qlv: List[torch.Tensor] = []
        pm: List[torch.Tensor] = []
        plv: List[torch.Tensor] = []
        for level in range(3):
            if level == 0:
                p_m = torch.zeros_like(bu_m[0])
                p_lv = torch.zeros_like(bu_lv[0])
                q_m = bu_m[0]
                q_lv = bu_lv[0]
            else:
                p_m, p_lv = self.prior_params(level, zs[level - 1])
                q_m, q_lv = precision_merge(bu_m[level], bu_lv[level], p_m, p_lv)
            if sample:
                z = q_m + torch.exp(0.5 * q_lv) * torch.randn_like(q_m)
            else:
                z = q_m
            zs.append(z)
            qm.append(q_m)
            qlv.append(q_lv)
            pm.append(p_m)
            plv.append(p_lv)
        return {"z": zs, "q_mean": qm, "q_logvar": qlv, "p_mean": pm, "p_logvar": plv}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        out: List[torch.Tensor] = []
        for t in fixed:
            out.append(t)
        k = len(fixed)
        for level in range(k, 3):
            e = eps[level - k]
            tau = temperature[level - k]
            if level == 0:
                out.append(tau * e)
            else:
                p_m, p_lv = self.prior_params(level, out[level - 1])
                out.append(p_m + tau * torch.exp(0.5 * p_lv) * e)
        return out

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        return bernoulli_log_px(self.decode_logits(z), x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction from the posterior means."""
        return self.decode(self.posterior(x, False)["z"])
