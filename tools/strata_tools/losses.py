"""Training objectives for the flat VAE (ConvVAE): beta-VAE and beta-TCVAE."""
import math

import torch

from .models import gaussian_kl, gaussian_log_density


def beta_vae_loss(model, x, beta: float = 1.0):
    """Negative beta-VAE objective: -E_q[log p(x|z)] + beta * KL(q(z|x) || N(0,I)).
    Returns (loss, stats dict)."""
    post = model.posterior(x, True)
    ll = model.log_px(x, post["z"]).mean()
    kl = gaussian_kl(post["q_mean"][0], post["q_logvar"][0],
                     post["p_mean"][0], post["p_logvar"][0]).sum(1).mean()
    loss = -ll + beta * kl
    return loss, {"log_px": float(ll), "kl": float(kl)}


def beta_tcvae_loss(model, x, dataset_size: int, beta: float = 6.0,
                    alpha: float = 1.0, gamma: float = 1.0):
    """Negative beta-TCVAE objective (Chen et al. 2018) with the minibatch-weighted
    sampling (MWS) estimator of log q(z) and log prod_j q(z_j):

        loss = -E[log p(x|z)] + alpha * MI + beta * TC + gamma * dimension-wise KL
        MI  = E[log q(z|x) - log q(z)]
        TC  = E[log q(z) - sum_j log q(z_j)]
        DWK = E[sum_j log q(z_j) - log p(z)]

    MWS: log q(z_i) ~= logsumexp_m log q(z_i | x_m) - log(N * M), with N the data set
    size and M the batch size (and likewise per dimension)."""
    post = model.posterior(x, True)
    z, qm, qlv = post["z"][0], post["q_mean"][0], post["q_logvar"][0]
    ll = model.log_px(x, post["z"]).mean()
    m = z.shape[0]
    log_qz_x = gaussian_log_density(z, qm, qlv).sum(1)                       # [M]
    log_pz = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)
    # mat[i, j, d] = log q(z_i,d | x_j)
    mat = gaussian_log_density(z[:, None, :], qm[None, :, :], qlv[None, :, :])
    log_norm = math.log(dataset_size * m)
    log_qz = torch.logsumexp(mat.sum(2), 1) - log_norm                        # [M]
    log_prod_qzj = (torch.logsumexp(mat, 1) - log_norm).sum(1)               # [M]
    mi = (log_qz_x - log_qz).mean()
    tc = (log_qz - log_prod_qzj).mean()
    dwk = (log_prod_qzj - log_pz).mean()
    loss = -ll + alpha * mi + beta * tc + gamma * dwk
    kl = gaussian_kl(qm, qlv, torch.zeros_like(qm), torch.zeros_like(qlv)).sum(1).mean()
    return loss, {"log_px": float(ll), "kl": float(kl), "mi": float(mi), "tc": float(tc),
                  "dwkl": float(dwk)}
