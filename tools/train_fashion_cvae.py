#!/usr/bin/env python3
"""Train the bundled conditional VAE resources/models/fashion_cvae.pt.

A plain conditional VAE on Fashion-MNIST: the class y (all 60,000 training labels) is the
condition of both q(z|x,y) and p(x|y,z); p(z) = N(0, I). Gaussian decoder with a fixed
standard deviation eta_dec = 0.75 and beta = 1, declared in strata_meta.objective, so
Strata can set Dang et al.'s linear-theory collapse prediction (units kept active: those
whose eigenvalue of the covariance of x unexplained by y exceeds beta * eta_dec^2) beside
the collapse the model shows. eta_dec is chosen so that the prediction falls inside the
16 units (about 10 of them); the card records the predicted and the observed counts.

Run from the repository root:  /usr/bin/python3 tools/train_fashion_cvae.py
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.cvae import GaussianCVAE, loss  # noqa: E402
from strata_tools.linear_collapse import predicted_active, unexplained_spectrum  # noqa: E402

HP = {
    "seed": 5,
    "objective": "conditional VAE: -E_q[log N(x; mean(z, y), eta_dec^2 I)] + beta KL(q(z|x,y) || N(0, I))",
    "beta": 1.0,
    "decoder_std": 0.75,
    "latent_dim": 16,
    "hidden": 256,
    "epochs": 10,
    "batch_size": 100,
    "optimizer": "Adam",
    "lr": 1e-3,
    "lr_final": 2e-4,
    "lr_schedule": "exponential decay per step from lr to lr_final",
    "grad_clip_norm": 100.0,
    "architecture": "MLPs with softplus: q(z|x,y) 794-256-256-2*16; p(x|y,z) 26-256-256-784 "
                    "(sigmoid mean, fixed std eta_dec)",
}
COLLAPSED_KL = 0.01  # nats, Strata's collapsed-unit threshold


@torch.no_grad()
def unit_kl(model, x, y, batch=1000):
    """Mean KL per unit over the items, at the posterior (analytic)."""
    total = torch.zeros(model.latent_dim, dtype=torch.float64)
    for s in range(0, x.shape[0], batch):
        mean, logvar = model.q_z(x[s:s + batch], y[s:s + batch])
        total += (0.5 * (logvar.exp() + mean ** 2 - 1 - logvar)).double().sum(0)
    return (total / x.shape[0]).tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "fashion_cvae.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N training images")
    args = ap.parse_args()
    hp = dict(HP, epochs=args.epochs)
    common.setup(hp["seed"])
    timer = common.Timer()
    x_train, y_train = data.fashion_float("train")
    x_test, y_test = data.fashion_float("test")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    xt = torch.from_numpy(x_train)
    yt = F.one_hot(torch.from_numpy(y_train).long(), 10).float()

    model = GaussianCVAE(latent_dim=hp["latent_dim"], hidden=hp["hidden"], decoder_std=hp["decoder_std"])
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    steps = xt.shape[0] // hp["batch_size"]
    decay = (hp["lr_final"] / hp["lr"]) ** (1.0 / max(1, steps * hp["epochs"]))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, decay)
    history = []
    t0 = common.Timer()
    for epoch in range(hp["epochs"]):
        perm = torch.randperm(xt.shape[0])
        tot = 0.0
        for s in range(steps):
            idx = perm[s * hp["batch_size"]:(s + 1) * hp["batch_size"]]
            value, _ = loss(model, xt[idx], yt[idx], hp["beta"])
            opt.zero_grad()
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"])
            opt.step()
            sched.step()
            tot += float(value)
        history.append({"epoch": epoch + 1, "train_loss": tot / steps})
        log("epoch %d loss %.2f (%.0f s)" % (epoch + 1, tot / steps, t0.elapsed()))
    train_time = t0.elapsed()
    model.eval()

    meta = contract.make_meta(
        "Fashion-MNIST conditional VAE (Gaussian decoder, eta_dec 0.75)", 1, 28, 28,
        [{"name": "z", "shape": [hp["latent_dim"]]}],
        training={"data": "Fashion-MNIST train split, all 60,000 images with their labels; "
                          "grey values /255",
                  "objective": hp["objective"], "epochs": hp["epochs"], "seed": hp["seed"],
                  "card": "fashion_cvae.card.json"},
        likelihood="gaussian", classes=data.FASHION_CLASSES,
        objective={"beta": hp["beta"], "decoder_std": hp["decoder_std"]})
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = [torch.randn(16, hp["latent_dim"])]
        y = torch.eye(10)[torch.arange(16) % 10]
        diff = float((model.decode(z, y) - scripted.decode(z, y)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s %s" % (diff, res["ok"], res.get("errors")))

    x_te = torch.from_numpy(x_test)
    y_te = F.one_hot(torch.from_numpy(y_test).long(), 10).float()
    kl = unit_kl(model, x_te, y_te)
    spectrum = unexplained_spectrum(x_test, y_te.numpy())
    predicted = predicted_active(spectrum, hp["latent_dim"], hp["beta"], hp["decoder_std"])
    observed = sum(1 for v in kl if v >= COLLAPSED_KL)
    with torch.no_grad():
        active = int((model.q_z(x_te, y_te)[0].var(0, unbiased=False) > 0.01).sum())
    with torch.no_grad():
        torch.manual_seed(0)
        mean, logvar = model.q_z(x_te, y_te)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        elbo = model.gaussian_log_px(model.mean(z, y_te), x_te) - \
            (0.5 * (logvar.exp() + mean ** 2 - 1 - logvar)).sum(1)
    log("test: ELBO %.2f; units with KL >= %.2f: %d; linear theory predicts %d active" % (
        float(elbo.mean()), COLLAPSED_KL, observed, predicted))
    card = {
        "name": "fashion_cvae",
        "file": "fashion_cvae.pt",
        "description": meta["name"],
        "contract": meta["contract"],
        "layers": meta["layers"],
        "condition": meta["condition"],
        "objective_meta": meta["objective"],
        "data": dict(data.FASHION_CARD_DATA,
                     likelihood="Gaussian with fixed std eta_dec = %g on grey values in [0, 1]"
                                % hp["decoder_std"]),
        "objective": hp["objective"],
        "hyperparameters": hp,
        "epochs": hp["epochs"],
        "seed": hp["seed"],
        "test": {
            "test_images": int(x_test.shape[0]),
            "elbo_nats_per_image": float(elbo.mean()),
            "elbo": "Strata's ELBO row: each item under its label (a conditional model without "
                    "q(y|x) on labelled data), one z sample (torch.manual_seed(0)), analytic KL",
            "kl_per_layer_nats": [float(sum(kl))],
            "kl_per_unit_nats": kl,
            "active_units": {"per_layer": [active],
                             "criterion": "Var over the test items of E_q[z] > 0.01"},
            "units_with_kl_at_least_0.01": observed,
            "linear_theory_active_units": predicted,
            "linear_theory": "units whose eigenvalue of Cov(x) - Cov(x,y) Cov(y)^+ Cov(y,x) "
                             "(test split, pixels in [0, 1]) exceeds beta * eta_dec^2 = %g"
                             % (hp["beta"] * hp["decoder_std"] ** 2),
            "unexplained_spectrum_top": spectrum[:24].tolist(),
        },
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_fashion_cvae.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


if __name__ == "__main__":
    sys.exit(main())
