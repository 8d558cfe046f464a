#!/usr/bin/env python3
"""Train the bundled deep hierarchical model resources/models/fashion_vdvae.pt.

A very deep VAE in the style of Child (2021), written from the paper (strata_tools/vdvae.py):
16 stochastic layers at three resolutions (4 at 1 x 1, 6 at 4 x 4, 6 at 7 x 7) sharing one
top-down state, Bernoulli likelihood on grey values in [0, 1]. Contract 2: each layer carries
its resolution as its group and a display name.
Training: Fashion-MNIST train split (60000). Evaluation: t10k split (10000).

Run from the repository root:  /usr/bin/python3 tools/train_fashion_vdvae.py
"""
import argparse
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.evaluate import elbo_stats, linear_probe, posterior_means  # noqa: E402
from strata_tools.vdvae import STAGES, FashionVdvae, contract_layers  # noqa: E402

HP = {
    "seed": 1,
    "epochs": 6,
    "batch_size": 128,
    "threads": 2,
    "optimizer": "AdamW (weight decay 0.01, betas 0.9/0.9 as in Child 2021)",
    "lr": 1.5e-3,
    "lr_final": 3e-4,
    "lr_schedule": "linear warm-up over 200 steps, then cosine decay per step to lr_final",
    "loss_scale": "negative ELBO per pixel (nats / 784), as Child 2021 optimise it",
    "grad_clip_norm": 200.0,
    "skip_threshold": 400.0,
    "skip": "updates whose gradient norm (of the per-pixel loss) exceeds skip_threshold are "
            "skipped (Child 2021, 5.1)",
    "kl_warmup_steps": 1000,
    "kl_warmup": "KL weight rises linearly per step from 0.1 to 1 over kl_warmup_steps",
    "stages": [{"resolution": r, "layers": n, "latent_channels": zc, "state_width": w}
               for r, n, zc, w in STAGES],
}


def kl_per_layer(post):
    out = []
    for qm, qlv, pm, plv in zip(post["q_mean"], post["q_logvar"], post["p_mean"], post["p_logvar"]):
        kl = 0.5 * (plv - qlv + (torch.exp(qlv) + (qm - pm) ** 2) * torch.exp(-plv) - 1.0)
        out.append(kl.flatten(1).sum(1))
    return torch.stack(out, 1)  # [B, L]


def learning_rate(step: int, total: int, hp) -> float:
    if step < 200:
        return hp["lr"] * (step + 1) / 200
    t = (step - 200) / max(1, total - 200)
    return hp["lr_final"] + 0.5 * (hp["lr"] - hp["lr_final"]) * (1 + math.cos(math.pi * t))


def train(model, x_train_t, x_test_t, hp, timer):
    opt = torch.optim.AdamW(model.parameters(), lr=hp["lr"], weight_decay=0.01, betas=(0.9, 0.9))
    n = x_train_t.shape[0]
    steps_per_epoch = math.ceil(n / hp["batch_size"])
    total = hp["epochs"] * steps_per_epoch
    gen = torch.Generator().manual_seed(hp["seed"])
    step, skipped, history = 0, 0, []
    for epoch in range(hp["epochs"]):
        model.train()
        perm = torch.randperm(n, generator=gen)
        tot_ll, tot_kl, nb = 0.0, 0.0, 0
        for i in range(0, n, hp["batch_size"]):
            xb = x_train_t[perm[i:i + hp["batch_size"]]]
            beta = min(1.0, 0.1 + 0.9 * step / hp["kl_warmup_steps"])
            post, state = model.inference(xb, True)
            ll = -F.binary_cross_entropy_with_logits(model.logits_from_state(state), xb,
                                                     reduction="none").flatten(1).sum(1).mean()
            kl = kl_per_layer(post).sum(1).mean()
            loss = (-ll + beta * kl) / 784.0
            for g in opt.param_groups:
                g["lr"] = learning_rate(step, total, hp)
            opt.zero_grad()
            loss.backward()
            norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"]))
            if math.isfinite(norm) and norm < hp["skip_threshold"]:
                opt.step()
            else:
                skipped += 1
            step += 1
            tot_ll += float(ll)
            tot_kl += float(kl)
            nb += 1
        model.eval()
        st = elbo_stats(model, x_test_t[:1000], seed=0)
        rec = {"epoch": epoch + 1, "beta": round(beta, 3), "train_log_px": round(tot_ll / nb, 2),
               "train_kl": round(tot_kl / nb, 2), "skipped_updates": skipped,
               "test1000_elbo": round(float(st["elbo"].mean()), 2),
               "test1000_kl_per_layer": [round(float(v), 2) for v in st["kl_layers"].mean(0)],
               "time_s": round(timer.elapsed(), 1)}
        history.append(rec)
        log(str(rec))
    return history


STRUCTURE_METHOD = (
    "linear_probe_class_accuracy: logistic regression on each resolution group's posterior means "
    "(all its layers together; fit on 10000 training images, scored on the test split). "
    "conditional_resampling: for 500 test images the groups listed are fixed at their posterior "
    "means and the layers below are resampled from the conditional prior (temperature 1, 4 draws); "
    "mean_pixel_std is the per-pixel std over the draws of the decoded images, class_kept_fraction "
    "how often a logistic-regression pixel classifier gives a draw the class it gives the "
    "reconstruction.")


@torch.no_grad()
def group_structure(model, layers, x_train_t, y_train, x_test_t, y_test, test_means,
                    n_probe=10000, n_cond=500):
    groups = []
    for i, l in enumerate(layers):
        if not groups or groups[-1][0] != l["group"]:
            groups.append((l["group"], []))
        groups[-1][1].append(i)
    train_means = posterior_means(model, x_train_t[:n_probe])
    probe = {}
    for name, idx in groups:
        tr = np.concatenate([train_means[i] for i in idx], 1)
        te = np.concatenate([test_means[i] for i in idx], 1)
        probe[name] = round(linear_probe(tr, y_train[:n_probe], te, y_test), 4)
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=200, random_state=0)
    clf.fit(x_train_t[:n_probe].flatten(1).numpy(), y_train[:n_probe])
    xs = x_test_t[:n_cond]
    zs = model.posterior(xs, False)["z"]
    rec_cls = clf.predict(model.decode(zs).flatten(1).numpy())
    torch.manual_seed(0)
    cond = []
    for g in range(len(groups)):
        k = groups[g][1][0]  # layers fixed: every group above group g
        imgs, agree = [], []
        for _ in range(4):
            eps = [torch.randn_like(z) for z in zs[k:]]
            img = model.decode(model.prior_sample(list(zs[:k]), eps, [1.0] * (len(zs) - k)))
            imgs.append(img)
            agree.append(float((clf.predict(img.flatten(1).numpy()) == rec_cls).mean()))
        cond.append({"fixed_groups": [name for name, _ in groups[:g]],
                     "mean_pixel_std": round(float(torch.stack(imgs).std(0).mean()), 4),
                     "class_kept_fraction": round(float(np.mean(agree)), 3)})
    return {"method": STRUCTURE_METHOD,
            "linear_probe_class_accuracy": {"per_group": probe, "fit": "%d training images" % n_probe,
                                            "scored": "10000 test images"},
            "pixel_classifier_accuracy_on_test": round(float(clf.score(x_test_t.flatten(1).numpy(), y_test)), 4),
            "conditional_resampling": cond,
            "conditional_resampling_images": "%d test images, 4 draws each" % n_cond}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "fashion_vdvae.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--iw-k", type=int, default=100)
    ap.add_argument("--iw-n", type=int, default=2000)
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N training images")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")
    hp = dict(HP, epochs=args.epochs)
    common.setup(hp["seed"], threads=hp["threads"])
    timer = common.Timer()

    x_train, y_train = data.fashion_float("train")
    x_test, y_test = data.fashion_float("test")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_train_t = torch.from_numpy(x_train)
    x_test_t = torch.from_numpy(x_test)
    log("data: train %s test %s" % (x_train.shape, x_test.shape))

    model = FashionVdvae()
    history = train(model, x_train_t, x_test_t, hp, timer)
    train_time = timer.elapsed()

    layers = contract_layers()
    meta = contract.make_meta(
        "Fashion-MNIST very deep VAE (16 layers)", 1, 28, 28, layers,
        training={"data": "Fashion-MNIST train split (60000 images), grey values /255, "
                          "Bernoulli likelihood on grey values",
                  "objective": "ELBO, short KL warm-up", "epochs": hp["epochs"],
                  "seed": hp["seed"], "card": "fashion_vdvae.card.json",
                  "classes": data.FASHION_CLASSES},
        decode_output="mean")
    model.eval()
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = model.posterior(x_test_t[:16], True)["z"]
        diff = float((model.decode(z) - scripted.decode(z)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s" % (diff, res["ok"]))

    loaded = torch.jit.load(args.out)
    loaded.eval()
    ev, test_means = common.summarise_eval(loaded, x_test_t, args.iw_k, args.iw_n)
    log("eval: %s" % {k: ev[k] for k in ("elbo_nats_per_image", "kl_per_layer_nats", "active_units")})
    structure = group_structure(loaded, layers, x_train_t, y_train, x_test_t, y_test, test_means)
    log("structure: %s" % structure)

    card = {
        "name": "fashion_vdvae",
        "file": "fashion_vdvae.pt",
        "description": meta["name"] + "; top-down blocks sharing one state per resolution "
                                      "(very deep VAE, Child 2021), written from the paper",
        "contract": meta["contract"],
        "layers": meta["layers"],
        "data": data.FASHION_CARD_DATA,
        "objective": "negative ELBO with a short KL warm-up (training only); reported numbers use "
                     "the plain ELBO (weight 1)",
        "hyperparameters": hp,
        "epochs": hp["epochs"],
        "seed": hp["seed"],
        "test": ev,
        "structure": structure,
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_fashion_vdvae.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


if __name__ == "__main__":
    sys.exit(main())
