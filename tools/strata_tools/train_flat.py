"""Training loop for flat VAEs (ConvVAE) shared by train_fashion_vae.py and
train_dsprites_tcvae.py. Batches come from a `get_batch(indices) -> float32 tensor`
callable so that data sets can be stored compactly."""
import math

import numpy as np
import torch

from . import common
from .common import log
from .evaluate import elbo_stats
from .losses import beta_tcvae_loss, beta_vae_loss


def train_flat(model, get_batch, n_train, hp, eval_x=None, log_every=0):
    """Train `model` in place. hp keys: seed, objective ('beta-vae'|'beta-tcvae'), beta,
    batch_size, lr, lr_final, steps (or epochs), grad_clip_norm.
    Returns the per-epoch / per-log history."""
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    bs = hp["batch_size"]
    steps_per_epoch = math.ceil(n_train / bs)
    total = hp.get("steps") or hp["epochs"] * steps_per_epoch
    gamma = (hp["lr_final"] / hp["lr"]) ** (1.0 / max(1, total - 1))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma)
    gen = torch.Generator().manual_seed(hp["seed"])
    log_every = log_every or steps_per_epoch
    timer = common.Timer()
    history, acc, nacc = [], {}, 0
    step = 0
    perm, pos = None, n_train
    model.train()
    while step < total:
        if pos >= n_train:
            perm = torch.randperm(n_train, generator=gen).numpy()
            pos = 0
        idx = perm[pos:pos + bs]
        pos += bs
        if len(idx) < 2:
            continue
        xb = get_batch(idx)
        if hp["objective"] == "beta-tcvae":
            loss, stats = beta_tcvae_loss(model, xb, n_train, beta=hp["beta"])
        else:
            loss, stats = beta_vae_loss(model, xb, beta=hp["beta"])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"])
        opt.step()
        sched.step()
        step += 1
        for k, v in stats.items():
            acc[k] = acc.get(k, 0.0) + v
        nacc += 1
        if step % log_every == 0 or step == total:
            rec = {"step": step, "epoch": round(step / steps_per_epoch, 2)}
            rec.update({"train_" + k: round(v / nacc, 3) for k, v in acc.items()})
            if eval_x is not None:
                model.eval()
                st = elbo_stats(model, eval_x, seed=0)
                model.train()
                rec["heldout_elbo"] = round(float(st["elbo"].mean()), 2)
                rec["heldout_kl"] = round(float(st["kl_layers"].sum(1).mean()), 2)
            rec["time_s"] = round(timer.elapsed(), 1)
            history.append(rec)
            log(str(rec))
            acc, nacc = {}, 0
    model.eval()
    return history, timer.elapsed()
