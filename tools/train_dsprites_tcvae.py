#!/usr/bin/env python3
"""Train the bundled disentanglement model resources/models/dsprites_tcvae.pt.

beta-TCVAE (Chen et al. 2018, minibatch-weighted sampling estimator), beta = 6,
latent z [10], convolutional encoder/decoder for 64x64 binary images, Bernoulli
likelihood. Data: procedurally rendered dSprites (strata_tools.data.dsprites_batch;
exact factor grid of 737280 images). Training: a seeded random subset of 150000
images; evaluation: 10000 other images (disjoint from the training subset).

Run from the repository root:  /usr/bin/python3 tools/train_dsprites_tcvae.py
"""
import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.evaluate import mig  # noqa: E402
from strata_tools.models import ConvVAE  # noqa: E402
from strata_tools.train_flat import train_flat  # noqa: E402

HP = {
    "seed": 3,
    "objective": "beta-tcvae",
    "beta": 6.0,
    "alpha_mi": 1.0,
    "gamma_dimwise_kl": 1.0,
    "tc_estimator": "minibatch-weighted sampling (N = training subset size)",
    "latent_dim": 10,
    "hidden": 256,
    "train_images": 150000,
    "eval_images": 10000,
    "steps": 10000,
    "batch_size": 64,
    "optimizer": "Adam",
    "lr": 1e-3,
    "lr_final": 5e-4,
    "lr_schedule": "exponential decay per step from lr to lr_final",
    "grad_clip_norm": 100.0,
    "architecture": "encoder conv4x4s2(32,32,64,64)-fc256-fc(2*10); decoder mirror with "
                    "transposed convs; ReLU",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "dsprites_tcvae.pt"))
    ap.add_argument("--steps", type=int, default=HP["steps"])
    ap.add_argument("--iw-k", type=int, default=100)
    ap.add_argument("--iw-n", type=int, default=1000)
    ap.add_argument("--train-images", type=int, default=HP["train_images"])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")
    hp = dict(HP, steps=args.steps, train_images=args.train_images)
    common.setup(hp["seed"])
    timer = common.Timer()

    # ---- data: seeded disjoint subsets of the full factor grid ----
    rng = np.random.RandomState(hp["seed"])
    perm = rng.permutation(data.DSPRITES_COUNT)
    train_idx = np.sort(perm[:hp["train_images"]])
    eval_idx = perm[hp["train_images"]:hp["train_images"] + hp["eval_images"]]  # random order
    packed = np.packbits(data.dsprites_batch(train_idx), axis=-1)     # [N,64,8] uint8
    x_eval = torch.from_numpy(data.dsprites_batch(eval_idx).astype(np.float32)[:, None])
    log("rendered %d training + %d evaluation images in %.1f s"
        % (len(train_idx), len(eval_idx), timer.elapsed()))

    def get_batch(idx):
        return torch.from_numpy(np.unpackbits(packed[idx], axis=-1).astype(np.float32)[:, None])

    model = ConvVAE(latent_dim=hp["latent_dim"], image_size=64, hidden=hp["hidden"])
    history, train_time = train_flat(model, get_batch, len(train_idx), hp,
                                     eval_x=x_eval[:1000], log_every=500)

    meta = contract.make_meta(
        "dSprites beta-TCVAE (beta=6, 10-d)", 1, 64, 64, [{"name": "z", "shape": [hp["latent_dim"]]}],
        training={"data": "procedural dSprites, random subset of %d of 737280 images (seed %d)"
                          % (hp["train_images"], hp["seed"]),
                  "objective": "beta-TCVAE, beta=6, MWS estimator", "steps": hp["steps"],
                  "seed": hp["seed"], "card": "dsprites_tcvae.card.json"},
        factors=data.DSPRITES_FACTORS)
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = [torch.randn(16, hp["latent_dim"])]
        diff = float((model.decode(z) - scripted.decode(z)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s" % (diff, res["ok"]))

    loaded = torch.jit.load(args.out)
    loaded.eval()
    ev, means = common.summarise_eval(loaded, x_eval, args.iw_k, args.iw_n)
    log("eval: %s" % {k: ev[k] for k in ("elbo_nats_per_image", "kl_per_layer_nats", "active_units")})
    log("iw: %s" % ev["iw_bound"])
    factors = np.stack(data.dsprites_unflatten(eval_idx), 1)
    dis = mig(means[0], factors)
    dis_card = {"mig": round(dis["mig"], 4),
                "gap_per_factor": dict(zip(data.DSPRITES_FACTORS, [round(g, 4) for g in dis["gap_per_factor"]])),
                "best_unit_per_factor": dict(zip(data.DSPRITES_FACTORS, dis["best_unit_per_factor"])),
                "normalised_mi_unit_by_factor": [[round(v, 3) for v in row] for row in dis["normalised_mi"]],
                "estimator": "MIG with posterior means binned into 20 equal-width bins, "
                             "MI normalised by factor entropy, on the %d evaluation images" % len(eval_idx)}
    log("disentanglement: mig %.3f best units %s" % (dis["mig"], dis_card["best_unit_per_factor"]))

    card = {
        "name": "dsprites_tcvae",
        "file": "dsprites_tcvae.pt",
        "description": meta["name"],
        "contract": 1,
        "layers": meta["layers"],
        "factors": data.DSPRITES_FACTORS,
        "data": {
            "generator": "strata_tools.data.dsprites_batch (procedural dSprites: 3 shapes x 6 scales x "
                         "40 orientations x 32 x 32 positions = 737280 binary 64x64 images)",
            "training": "random subset of %d flat indices (numpy RandomState(%d).permutation, first %d)"
                        % (hp["train_images"], hp["seed"], hp["train_images"]),
            "evaluation": "the next %d indices of the same permutation, in permutation order "
                          "(disjoint from training)"
                          % hp["eval_images"],
            "likelihood": "Bernoulli on binary pixels",
        },
        "objective": "negative beta-TCVAE objective: -log p(x|z) + MI + 6*TC + dimension-wise KL; "
                     "reported numbers use the plain ELBO",
        "hyperparameters": hp,
        "epochs": round(hp["steps"] * hp["batch_size"] / hp["train_images"], 2),
        "seed": hp["seed"],
        "test": ev,
        "disentanglement": dis_card,
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_dsprites_tcvae.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


if __name__ == "__main__":
    sys.exit(main())
