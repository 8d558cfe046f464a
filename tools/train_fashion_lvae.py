#!/usr/bin/env python3
"""Train the bundled hierarchical model resources/models/fashion_lvae.pt.

Ladder VAE (top-down inference, precision-weighted merge) on Fashion-MNIST,
three stochastic layers: z_top [8], z_mid [16], z_bottom [4,7,7].
Likelihood: Bernoulli on grey values in [0,1] (not binarised).
Objective: ELBO with linear KL warm-up and per-unit free bits on the upper layers.
Training: Fashion-MNIST train split (60000). Evaluation: t10k split (10000).

Run from the repository root:  /usr/bin/python3 tools/train_fashion_lvae.py
"""
import argparse
import warnings
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.evaluate import elbo_stats, linear_probe, posterior_means  # noqa: E402
from strata_tools.models import LadderVAE  # noqa: E402

HP = {
    "seed": 1,
    "epochs": 20,
    "batch_size": 128,
    "optimizer": "Adam",
    "lr": 1e-3,
    "lr_final": 2e-4,
    "lr_schedule": "exponential decay per epoch from lr to lr_final",
    "grad_clip_norm": 100.0,
    "kl_warmup_epochs": 6,
    "kl_warmup": "KL weight rises linearly per step from 0 to 1 over kl_warmup_epochs, then 1",
    "free_bits_per_unit": [0.5, 0.25, 0.0],
    "free_bits_per_layer": [0.0, 0.0, 8.0],
    "free_bits": "layer order top, mid, bottom; KL term of layer l = max(free_bits_per_layer[l], "
                 "sum_j max(free_bits_per_unit[l], KL_lj)) with KL_lj the batch-mean KL of unit j",
    "latents": {"z_top": [8], "z_mid": [16], "z_bottom": [4, 7, 7]},
    "width": 64,
    "hidden": 256,
}


def train_loss(model, x, beta, fb_unit, fb_layer):
    post = model.posterior(x, True)
    ll = model.log_px(x, post["z"]).mean()
    kl_terms, kl_raw = [], []
    for kl_u, fbu, fbl in zip(common.layer_kl_units(post), fb_unit, fb_layer):
        m = kl_u.mean(0)
        kl_raw.append(float(m.sum()))
        term = torch.clamp(m, min=fbu).sum() if fbu > 0 else m.sum()
        kl_terms.append(torch.clamp(term, min=fbl) if fbl > 0 else term)
    loss = -ll + beta * sum(kl_terms)
    return loss, float(ll), kl_raw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "fashion_lvae.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--iw-k", type=int, default=100)
    ap.add_argument("--iw-n", type=int, default=2000)
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N training images")
    ap.add_argument("--free-bits-per-unit", type=float, nargs=3, default=HP["free_bits_per_unit"])
    ap.add_argument("--free-bits-per-layer", type=float, nargs=3, default=HP["free_bits_per_layer"])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")
    hp = dict(HP, epochs=args.epochs, free_bits_per_unit=list(args.free_bits_per_unit),
              free_bits_per_layer=list(args.free_bits_per_layer))
    common.setup(hp["seed"])
    timer = common.Timer()

    x_train, y_train = data.fashion_float("train")
    x_test, y_test = data.fashion_float("test")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_train_t = torch.from_numpy(x_train)
    x_test_t = torch.from_numpy(x_test)
    log("data: train %s test %s" % (x_train.shape, x_test.shape))

    model = LadderVAE(top=8, mid=16, bottom_ch=4, width=hp["width"], hidden=hp["hidden"])
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    gamma = (hp["lr_final"] / hp["lr"]) ** (1.0 / max(1, hp["epochs"] - 1))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma)
    n = x_train_t.shape[0]
    steps_per_epoch = math.ceil(n / hp["batch_size"])
    warm_steps = hp["kl_warmup_epochs"] * steps_per_epoch
    gen = torch.Generator().manual_seed(hp["seed"])
    step = 0
    history = []
    for epoch in range(hp["epochs"]):
        model.train()
        perm = torch.randperm(n, generator=gen)
        tot_ll, tot_kl, nb = 0.0, np.zeros(3), 0
        for i in range(0, n, hp["batch_size"]):
            xb = x_train_t[perm[i:i + hp["batch_size"]]]
            beta = min(1.0, step / warm_steps) if warm_steps > 0 else 1.0
            loss, ll, kl = train_loss(model, xb, beta, hp["free_bits_per_unit"],
                                      hp["free_bits_per_layer"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"])
            opt.step()
            step += 1
            tot_ll += ll
            tot_kl += np.array(kl)
            nb += 1
        sched.step()
        model.eval()
        st = elbo_stats(model, x_test_t[:1000], seed=0)
        rec = {"epoch": epoch + 1, "beta": round(beta, 3),
               "train_log_px": round(tot_ll / nb, 2),
               "train_kl": [round(v, 2) for v in tot_kl / nb],
               "test1000_elbo": round(float(st["elbo"].mean()), 2),
               "test1000_kl": [round(float(v), 2) for v in st["kl_layers"].mean(0)],
               "time_s": round(timer.elapsed(), 1)}
        history.append(rec)
        log(str(rec))
    train_time = timer.elapsed()

    # ---- export + validate ----
    meta = contract.make_meta(
        "Fashion-MNIST Ladder VAE (3 layers)", 1, 28, 28,
        [{"name": "z_top", "shape": [8]}, {"name": "z_mid", "shape": [16]},
         {"name": "z_bottom", "shape": [4, 7, 7]}],
        training={"data": "Fashion-MNIST train split (60000 images), grey values /255, "
                          "Bernoulli likelihood on grey values",
                  "objective": "ELBO, KL warm-up, free bits", "epochs": hp["epochs"],
                  "seed": hp["seed"], "card": "fashion_lvae.card.json",
                  "classes": data.FASHION_CLASSES})
    model.eval()
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = model.prior_sample([], [torch.randn(16, 8), torch.randn(16, 16), torch.randn(16, 4, 7, 7)],
                               [1.0, 1.0, 1.0])
        diff = float((model.decode(z) - scripted.decode(z)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s" % (diff, res["ok"]))

    # ---- evaluation on the test split (scripted module, as shipped) ----
    loaded = torch.jit.load(args.out)
    loaded.eval()
    ev, test_means = common.summarise_eval(loaded, x_test_t, args.iw_k, args.iw_n)
    log("eval: %s" % {k: ev[k] for k in ("elbo_nats_per_image", "kl_per_layer_nats", "active_units")})
    log("iw: %s" % ev["iw_bound"])

    # ---- per-layer structure ----
    structure = layer_structure(loaded, x_train_t, y_train, x_test_t, y_test, test_means)
    log("structure: %s" % structure)

    card = {
        "name": "fashion_lvae",
        "file": "fashion_lvae.pt",
        "description": meta["name"] + "; top-down inference (Ladder VAE, Sonderby et al. 2016)",
        "contract": 1,
        "layers": meta["layers"],
        "data": data.FASHION_CARD_DATA,
        "objective": "negative ELBO with KL warm-up and per-unit free bits (training only); "
                     "reported numbers use the plain ELBO (weight 1, no free bits)",
        "hyperparameters": hp,
        "epochs": hp["epochs"],
        "seed": hp["seed"],
        "test": ev,
        "structure": structure,
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_fashion_lvae.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


STRUCTURE_METHOD = (
    "linear_probe_class_accuracy: logistic regression on each layer's posterior means "
    "(fit on 10000 training images, scored on the test split). conditional_resampling: for 500 test "
    "images the listed layers are fixed at their posterior means and the layers below are resampled "
    "from the conditional prior (temperature 1, 4 draws); mean_pixel_std is the per-pixel std over "
    "the draws of the decoded images, class_kept_fraction how often a logistic-regression pixel "
    "classifier gives a draw the class it gives the reconstruction.")


@torch.no_grad()
def layer_structure(model, x_train_t, y_train, x_test_t, y_test, test_means, n_probe=10000, n_cond=500):
    """Evidence for per-layer roles.
    * linear_probe_class_accuracy: logistic regression on each layer's posterior means
      (fit on n_probe training images, scored on the whole test split).
    * conditional resampling: for n_cond test images, keep layers above l fixed at their
      posterior means and resample the rest from the prior (T=1); report the mean per-pixel
      std of the decoded images and how often a pixel-space classifier (logistic regression
      on grey values) keeps the class it gives the reconstruction."""
    train_means = posterior_means(model, x_train_t[:n_probe])
    probe = [linear_probe(train_means[l], y_train[:n_probe], test_means[l], y_test)
             for l in range(len(train_means))]
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=200, random_state=0)
    clf.fit(x_train_t[:n_probe].flatten(1).numpy(), y_train[:n_probe])
    xs = x_test_t[:n_cond]
    post = model.posterior(xs, False)
    zs = post["z"]
    rec = model.decode(zs)
    rec_cls = clf.predict(rec.flatten(1).numpy())
    L = len(zs)
    torch.manual_seed(0)
    cond = []
    for k in range(L):  # k fixed layers
        imgs, agree = [], []
        for rep in range(4):
            eps = [torch.randn_like(z) for z in zs[k:]]
            out = model.prior_sample(list(zs[:k]), eps, [1.0] * (L - k))
            img = model.decode(out)
            imgs.append(img)
            agree.append(float((clf.predict(img.flatten(1).numpy()) == rec_cls).mean()))
        st = torch.stack(imgs).std(0).mean()
        cond.append({"fixed_layers": [m for m in ("z_top", "z_mid", "z_bottom")[:k]],
                     "mean_pixel_std": round(float(st), 4),
                     "class_kept_fraction": round(float(np.mean(agree)), 3)})
    return {"method": STRUCTURE_METHOD,
            "linear_probe_class_accuracy": {"per_layer": [round(p, 4) for p in probe],
                                            "fit": "%d training images" % n_probe,
                                            "scored": "10000 test images"},
            "pixel_classifier_accuracy_on_test": round(float(clf.score(x_test_t.flatten(1).numpy(), y_test)), 4),
            "conditional_resampling": cond,
            "conditional_resampling_images": "%d test images, 4 draws each" % n_cond}


if __name__ == "__main__":
    sys.exit(main())
