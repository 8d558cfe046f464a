#!/usr/bin/env python3
"""Train the bundled flat model resources/models/fashion_vae.pt.

Convolutional VAE on Fashion-MNIST, one latent layer z [16], standard ELBO
(beta-VAE objective with beta = 1). Likelihood: Bernoulli on grey values in [0,1].
Training: Fashion-MNIST train split (60000). Evaluation: t10k split (10000).

Run from the repository root:  /usr/bin/python3 tools/train_fashion_vae.py
"""
import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.evaluate import linear_probe, posterior_means  # noqa: E402
from strata_tools.models import ConvVAE  # noqa: E402
from strata_tools.train_flat import train_flat  # noqa: E402

HP = {
    "seed": 2,
    "objective": "beta-vae",
    "beta": 1.0,
    "latent_dim": 16,
    "hidden": 256,
    "epochs": 12,
    "batch_size": 128,
    "optimizer": "Adam",
    "lr": 1e-3,
    "lr_final": 2e-4,
    "lr_schedule": "exponential decay per step from lr to lr_final",
    "grad_clip_norm": 100.0,
    "architecture": "encoder conv4x4s2(32)-conv4x4s2(64)-fc256-fc(2*16); decoder mirror with "
                    "transposed convs; ReLU",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "fashion_vae.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--iw-k", type=int, default=100)
    ap.add_argument("--iw-n", type=int, default=2000)
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N training images")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")
    hp = dict(HP, epochs=args.epochs)
    common.setup(hp["seed"])
    timer = common.Timer()

    x_train, y_train = data.fashion_float("train")
    x_test, y_test = data.fashion_float("test")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_train_t = torch.from_numpy(x_train)
    x_test_t = torch.from_numpy(x_test)

    model = ConvVAE(latent_dim=hp["latent_dim"], image_size=28, hidden=hp["hidden"])
    history, train_time = train_flat(model, lambda idx: x_train_t[torch.from_numpy(idx)],
                                     x_train_t.shape[0], hp, eval_x=x_test_t[:1000])

    meta = contract.make_meta(
        "Fashion-MNIST VAE (flat, 16-d)", 1, 28, 28, [{"name": "z", "shape": [hp["latent_dim"]]}],
        training={"data": "Fashion-MNIST train split (60000 images), grey values /255, "
                          "Bernoulli likelihood on grey values",
                  "objective": "ELBO (beta-VAE, beta=1)", "epochs": hp["epochs"],
                  "seed": hp["seed"], "card": "fashion_vae.card.json",
                  "classes": data.FASHION_CLASSES})
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = [torch.randn(16, hp["latent_dim"])]
        diff = float((model.decode(z) - scripted.decode(z)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s" % (diff, res["ok"]))

    loaded = torch.jit.load(args.out)
    loaded.eval()
    ev, test_means = common.summarise_eval(loaded, x_test_t, args.iw_k, args.iw_n)
    log("eval: %s" % {k: ev[k] for k in ("elbo_nats_per_image", "kl_per_layer_nats", "active_units")})
    log("iw: %s" % ev["iw_bound"])
    train_means = posterior_means(loaded, x_train_t[:10000])
    probe = linear_probe(train_means[0], y_train[:10000], test_means[0], y_test)

    card = {
        "name": "fashion_vae",
        "file": "fashion_vae.pt",
        "description": meta["name"],
        "contract": 1,
        "layers": meta["layers"],
        "data": data.FASHION_CARD_DATA,
        "objective": "negative ELBO (beta-VAE objective with beta=1)",
        "hyperparameters": hp,
        "epochs": hp["epochs"],
        "seed": hp["seed"],
        "test": ev,
        "structure": {"linear_probe_class_accuracy": {"per_layer": [round(probe, 4)],
                                                      "fit": "10000 training images",
                                                      "scored": "10000 test images"}},
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_fashion_vae.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


if __name__ == "__main__":
    sys.exit(main())
