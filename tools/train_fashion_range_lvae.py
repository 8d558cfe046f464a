#!/usr/bin/env python3
"""Train the test model tests/data/models/fashion_range_lvae.pt.

A small two-layer Ladder VAE (top-down inference, precision-weighted merge) whose data
range is [-1, 1] rather than [0, 1], with a Gaussian likelihood. It exists to check that
Strata maps the dataset's [0, 1] pixels into a model's declared input range and maps
decoded images back: fed [0, 1] pixels unmapped, this model's ELBO is wildly wrong.

Layers, top first: z_top [8], z_bottom [4,7,7].
Likelihood: Gaussian, mean tanh(decoder) in [-1, 1], a learned standard deviation per
pixel (log sigma clamped to [LOG_SCALE_MIN, LOG_SCALE_MAX]); log_px is the Gaussian log
density summed over pixels (a density of continuous values, so it can be positive).
Data: Fashion-MNIST train split (60000), x = 2 * (grey / 255) - 1.

Run from the repository root:  /usr/bin/python3 tools/train_fashion_range_lvae.py
(about three minutes on one thread), then
/usr/bin/python3 tools/make_reference.py fashion_range_lvae
"""
import argparse
import math
import os
import sys
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.evaluate import elbo_stats  # noqa: E402
from strata_tools.models import Reshape, precision_merge  # noqa: E402

RANGE = (-1.0, 1.0)
LOG_SCALE_MIN = -3.0  # sigma >= 0.05 (in [-1, 1] units): background pixels would otherwise
LOG_SCALE_MAX = 1.0   # drive their sigma to 0 and the density to infinity
HP = {
    "seed": 3,
    "epochs": 5,
    "batch_size": 128,
    "optimizer": "Adam",
    "lr": 2e-3,
    "grad_clip_norm": 100.0,
    "kl_warmup_epochs": 2,
    "kl_warmup": "KL weight rises linearly per step from 0 to 1 over kl_warmup_epochs, then 1",
    "free_bits_per_unit": [0.25, 0.0],
    "free_bits": "KL term of a layer = sum_j max(free_bits_per_unit[l], KL_lj), KL_lj the "
                 "batch-mean KL of unit j (training only)",
    "latents": {"z_top": [8], "z_bottom": [4, 7, 7]},
    "width": 32,
    "hidden": 64,
    "log_scale_init": math.log(0.2),
    "log_scale_clamp": [LOG_SCALE_MIN, LOG_SCALE_MAX],
}


def to_model_range(x01: torch.Tensor) -> torch.Tensor:
    """Dataset units [0, 1] -> the model's [-1, 1] (as Strata maps them)."""
    return RANGE[0] + (RANGE[1] - RANGE[0]) * x01


class RangeLadderVAE(nn.Module):
    """Two-layer Ladder VAE for 28x28x1 images in [-1, 1]:
        z_top [8] ~ N(0, I)  ->  z_bottom [4,7,7] ~ p(z_bottom | z_top)  ->  x ~ N(mu, sigma^2)
    Bottom-up: [w,7,7] features give the bottom layer's estimate, a strided conv and an MLP
    the top layer's. Top-down: q(z_bottom | x, z_top) is the precision-weighted merge of the
    bottom-up estimate and the conditional prior."""
    strata_meta: str

    def __init__(self, top: int = 8, bottom_ch: int = 4, width: int = 32, hidden: int = 64,
                 log_scale_init: float = math.log(0.2)):
        super().__init__()
        self.strata_meta = ""
        self.top = top
        self.bottom_ch = bottom_ch
        self.bu1 = nn.Sequential(nn.Conv2d(1, 16, 4, 2, 1), nn.ReLU(),
                                 nn.Conv2d(16, width, 4, 2, 1), nn.ReLU())           # [w,7,7]
        self.bu1_q = nn.Conv2d(width, 2 * bottom_ch, 3, 1, 1)
        self.bu2 = nn.Sequential(nn.Conv2d(width, width, 3, 2, 1), nn.ReLU(), nn.Flatten(),  # [w,4,4]
                                 nn.Linear(width * 16, hidden), nn.ReLU())
        self.bu2_q = nn.Linear(hidden, 2 * top)
        self.td_bottom = nn.Sequential(nn.Linear(top, hidden), nn.ReLU(),
                                       nn.Linear(hidden, width * 16), nn.ReLU(),
                                       Reshape(width, 4, 4),
                                       nn.ConvTranspose2d(width, width, 3, 2, 1), nn.ReLU(),  # [w,7,7]
                                       nn.Conv2d(width, 2 * bottom_ch, 3, 1, 1))
        self.dec = nn.Sequential(nn.Conv2d(bottom_ch, width, 3, 1, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(width, width, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(width, 1, 4, 2, 1))
        self.log_scale = nn.Parameter(torch.full([1, 1, 28, 28], log_scale_init))

    def bottom_prior(self, z_top: torch.Tensor):
        h = self.td_bottom(z_top)
        return h[:, :self.bottom_ch], torch.clamp(h[:, self.bottom_ch:], -10.0, 6.0)

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        d1 = self.bu1(x)
        h1 = self.bu1_q(d1)
        bu_m1, bu_lv1 = h1[:, :self.bottom_ch], torch.clamp(h1[:, self.bottom_ch:], -10.0, 6.0)
        h2 = self.bu2_q(self.bu2(d1))
        q_m0, q_lv0 = h2[:, :self.top], torch.clamp(h2[:, self.top:], -10.0, 6.0)
        if sample:
            z0 = q_m0 + torch.exp(0.5 * q_lv0) * torch.randn_like(q_m0)
        else:
            z0 = q_m0
        p_m1, p_lv1 = self.bottom_prior(z0)
        q_m1, q_lv1 = precision_merge(bu_m1, bu_lv1, p_m1, p_lv1)
        if sample:
            z1 = q_m1 + torch.exp(0.5 * q_lv1) * torch.randn_like(q_m1)
        else:
            z1 = q_m1
        zeros = torch.zeros_like(q_m0)
        return {"z": [z0, z1], "q_mean": [q_m0, q_m1], "q_logvar": [q_lv0, q_lv1],
                "p_mean": [zeros, p_m1], "p_logvar": [zeros, p_lv1]}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return torch.tanh(self.dec(z[1]))

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        out: List[torch.Tensor] = []
        for t in fixed:
            out.append(t)
        k = len(fixed)
        if k == 0:
            out.append(temperature[0] * eps[0])
        if k <= 1:
            p_m, p_lv = self.bottom_prior(out[0])
            out.append(p_m + temperature[1 - k] * torch.exp(0.5 * p_lv) * eps[1 - k])
        return out

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        mean = self.decode(z)
        log_sigma = torch.clamp(self.log_scale, -3.0, 1.0)  # LOG_SCALE_MIN, LOG_SCALE_MAX
        ll = -0.5 * 1.8378770664093453 - log_sigma - 0.5 * ((x - mean) * torch.exp(-log_sigma)) ** 2
        return ll.flatten(1).sum(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.posterior(x, False)["z"])


def train_loss(model, x, beta, fb_unit):
    post = model.posterior(x, True)
    ll = model.log_px(x, post["z"]).mean()
    kl_terms, kl_raw = [], []
    for kl_u, fbu in zip(common.layer_kl_units(post), fb_unit):
        m = kl_u.mean(0)
        kl_raw.append(float(m.sum()))
        kl_terms.append(torch.clamp(m, min=fbu).sum() if fbu > 0 else m.sum())
    return -ll + beta * sum(kl_terms), float(ll), kl_raw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.TEST_MODELS_DIR, "fashion_range_lvae.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N training images")
    args = ap.parse_args()
    hp = dict(HP, epochs=args.epochs)
    common.setup(hp["seed"])
    timer = common.Timer()

    x_train, _ = data.fashion_float("train")
    x_test, _ = data.fashion_float("test")
    if args.limit:
        x_train = x_train[:args.limit]
    x_train_t = to_model_range(torch.from_numpy(x_train))
    x_test_t = to_model_range(torch.from_numpy(x_test))
    log("data: train %s test %s, range [%g, %g]" % (x_train.shape, x_test.shape,
                                                    float(x_train_t.min()), float(x_train_t.max())))

    model = RangeLadderVAE(top=8, bottom_ch=4, width=hp["width"], hidden=hp["hidden"],
                           log_scale_init=hp["log_scale_init"])
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    n = x_train_t.shape[0]
    warm_steps = hp["kl_warmup_epochs"] * math.ceil(n / hp["batch_size"])
    gen = torch.Generator().manual_seed(hp["seed"])
    step = 0
    for epoch in range(hp["epochs"]):
        model.train()
        perm = torch.randperm(n, generator=gen)
        tot_ll, tot_kl, nb = 0.0, np.zeros(2), 0
        for i in range(0, n, hp["batch_size"]):
            xb = x_train_t[perm[i:i + hp["batch_size"]]]
            beta = min(1.0, step / warm_steps) if warm_steps > 0 else 1.0
            loss, ll, kl = train_loss(model, xb, beta, hp["free_bits_per_unit"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"])
            opt.step()
            step += 1
            tot_ll += ll
            tot_kl += np.array(kl)
            nb += 1
        model.eval()
        st = elbo_stats(model, x_test_t[:1000], seed=0)
        rec = {"epoch": epoch + 1, "beta": round(beta, 3),
               "train_log_px": round(tot_ll / nb, 2),
               "train_kl": [round(v, 2) for v in tot_kl / nb],
               "test1000_elbo": round(float(st["elbo"].mean()), 2),
               "test1000_kl": [round(float(v), 2) for v in st["kl_layers"].mean(0)],
               "time_s": round(timer.elapsed(), 1)}
        log(str(rec))
    train_time = timer.elapsed()

    meta = contract.make_meta(
        "Fashion-MNIST Ladder VAE, data in [-1, 1], Gaussian likelihood (2 layers)", 1, 28, 28,
        [{"name": "z_top", "shape": [8]}, {"name": "z_bottom", "shape": [4, 7, 7]}],
        training={"data": "Fashion-MNIST train split (60000 images), x = 2 * grey / 255 - 1",
                  "likelihood": "Gaussian, mean tanh(decoder), learned per-pixel sigma, "
                                "log sigma clamped to [%g, %g]" % (LOG_SCALE_MIN, LOG_SCALE_MAX),
                  "objective": "ELBO, KL warm-up, free bits on z_top", "epochs": hp["epochs"],
                  "seed": hp["seed"], "hyperparameters": hp,
                  "wall_time_seconds": round(train_time, 1),
                  "reproduce": "/usr/bin/python3 tools/train_fashion_range_lvae.py",
                  "classes": data.FASHION_CLASSES},
        value_range=RANGE, likelihood="gaussian")
    model.eval()
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = model.prior_sample([], [torch.randn(16, 8), torch.randn(16, 4, 7, 7)], [1.0, 1.0])
        diff = float((model.decode(z) - scripted.decode(z)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s" % (diff, res["ok"]))

    loaded = torch.jit.load(args.out)
    loaded.eval()
    right = elbo_stats(loaded, x_test_t, seed=0)
    wrong = elbo_stats(loaded, torch.from_numpy(x_test), seed=0)
    log("test ELBO on [-1, 1] inputs %.2f (log_px %.2f, KL per layer %s); on [0, 1] inputs %.1f"
        % (right["elbo"].mean(), right["log_px"].mean(),
           [round(float(v), 2) for v in right["kl_layers"].mean(0)], wrong["elbo"].mean()))
    log("wrote %s (%.0f kB); training %.0f s, total %.0f s"
        % (common.rel(args.out), os.path.getsize(args.out) / 1e3, train_time, timer.elapsed()))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
