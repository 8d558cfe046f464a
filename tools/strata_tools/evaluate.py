"""Evaluation of any contract model (eager or scripted) using only the contract methods."""
import math
from typing import Dict, List

import numpy as np
import torch


def _kl(qm, qlv, pm, plv):
    return 0.5 * (plv - qlv + (torch.exp(qlv) + (qm - pm) ** 2) * torch.exp(-plv) - 1.0)


def _logn(z, m, lv):
    return -0.5 * (math.log(2.0 * math.pi) + lv + (z - m) ** 2 * torch.exp(-lv))


@torch.no_grad()
def elbo_stats(model, x: torch.Tensor, batch: int = 500, seed: int = 0) -> Dict:
    """Single-sample ELBO with analytic per-layer KL (each layer's KL given the sampled
    layers above). Returns per-image arrays: elbo, log_px, kl per layer, and the
    mean per-unit KL per layer. Uses its own seed without disturbing the caller's
    random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _elbo_stats(model, x, batch)


def _elbo_stats(model, x, batch):
    elbos, lpx, kls, unit_kl = [], [], None, None
    for i in range(0, x.shape[0], batch):
        xb = x[i:i + batch]
        post = model.posterior(xb, True)
        ll = model.log_px(xb, post["z"])
        kl_units = [_kl(a, b, c, d) for a, b, c, d in
                    zip(post["q_mean"], post["q_logvar"], post["p_mean"], post["p_logvar"])]
        kl_layers = torch.stack([k.flatten(1).sum(1) for k in kl_units], 1)  # [B, L]
        elbos.append((ll - kl_layers.sum(1)).numpy())
        lpx.append(ll.numpy())
        kls = [kl_layers.numpy()] if kls is None else kls + [kl_layers.numpy()]
        s = [k.flatten(1).sum(0).numpy() for k in kl_units]
        unit_kl = s if unit_kl is None else [a + b for a, b in zip(unit_kl, s)]
    n = x.shape[0]
    return {"elbo": np.concatenate(elbos), "log_px": np.concatenate(lpx),
            "kl_layers": np.concatenate(kls), "unit_kl": [u / n for u in unit_kl]}


@torch.no_grad()
def iw_bound(model, x: torch.Tensor, k: int = 100, chunk: int = 2000, seed: int = 0) -> np.ndarray:
    """Importance-weighted bound (Burda et al. 2016) with k samples from q, per image.
    Uses its own seed without disturbing the caller's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _iw_bound(model, x, k, chunk)


def _iw_bound(model, x, k, chunk):
    out = []
    per = max(1, chunk // k)
    for i in range(0, x.shape[0], per):
        xb = x[i:i + per]
        b = xb.shape[0]
        xr = xb.repeat_interleave(k, 0)
        post = model.posterior(xr, True)
        logw = model.log_px(xr, post["z"])
        for z, qm, qlv, pm, plv in zip(post["z"], post["q_mean"], post["q_logvar"],
                                       post["p_mean"], post["p_logvar"]):
            logw = logw + (_logn(z, pm, plv) - _logn(z, qm, qlv)).flatten(1).sum(1)
        logw = logw.view(b, k).double()
        out.append((torch.logsumexp(logw, 1) - math.log(k)).numpy())
    return np.concatenate(out)


@torch.no_grad()
def posterior_means(model, x: torch.Tensor, batch: int = 500) -> List[np.ndarray]:
    """q_mean per layer (flattened per item) with posterior(x, sample=False)."""
    res = None
    for i in range(0, x.shape[0], batch):
        post = model.posterior(x[i:i + batch], False)
        m = [t.flatten(1).numpy() for t in post["q_mean"]]
        res = [m] if res is None else res + [m]
    return [np.concatenate([r[l] for r in res]) for l in range(len(res[0]))]


def active_units(means: List[np.ndarray], threshold: float = 0.01):
    """Per layer: number of units whose posterior mean varies over the data set by more
    than `threshold` (Burda et al. 2016), and the per-unit variances."""
    var = [m.var(0) for m in means]
    return [int((v > threshold).sum()) for v in var], var


def linear_probe(train_feats, train_labels, test_feats, test_labels, seed: int = 0) -> float:
    """Test accuracy of a multinomial logistic regression on the given features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    sc = StandardScaler().fit(train_feats)
    clf = LogisticRegression(max_iter=300, random_state=seed)
    clf.fit(sc.transform(train_feats), train_labels)
    return float(clf.score(sc.transform(test_feats), test_labels))


def mig(latent_means: np.ndarray, factors: np.ndarray, bins: int = 20) -> Dict:
    """Mutual information gap (Chen et al. 2018), discretised estimator: each latent
    mean is binned into `bins` equal-width bins; MI with each (discrete) factor is
    normalised by the factor's entropy. Returns MIG, per-factor gaps and the
    normalised MI matrix [latent, factor]."""
    from sklearn.metrics import mutual_info_score
    d = latent_means.shape[1]
    k = factors.shape[1]
    binned = np.zeros_like(latent_means, dtype=np.int64)
    for j in range(d):
        edges = np.histogram_bin_edges(latent_means[:, j], bins=bins)
        binned[:, j] = np.digitize(latent_means[:, j], edges[1:-1])
    mi = np.zeros((d, k))
    ent = np.zeros(k)
    for f in range(k):
        ent[f] = mutual_info_score(factors[:, f], factors[:, f])
        for j in range(d):
            mi[j, f] = mutual_info_score(factors[:, f], binned[:, j])
    nmi = mi / ent[None, :]
    srt = np.sort(nmi, axis=0)[::-1]
    gaps = srt[0] - srt[1]
    return {"mig": float(gaps.mean()), "gap_per_factor": gaps.tolist(),
            "best_unit_per_factor": nmi.argmax(0).tolist(), "normalised_mi": nmi.tolist()}
