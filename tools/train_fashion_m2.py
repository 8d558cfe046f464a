#!/usr/bin/env python3
"""Train the bundled semi-supervised model resources/models/fashion_m2.pt.

Kingma et al.'s M2 (2014) on Fashion-MNIST with 100 labels per class (1,000 labelled
images drawn with the seed below; the other 59,000 training images unlabelled). Objective:
-ELBO(x, y) - alpha log q(y|x) on labelled images plus -U(x) on unlabelled ones, alpha =
0.1 N as in the paper. Likelihood: Bernoulli on grey values in [0,1].
Evaluation: t10k split (10000 images).

Run from the repository root:  /usr/bin/python3 tools/train_fashion_m2.py
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402
from strata_tools.common import log  # noqa: E402
from strata_tools.m2 import M2, elbo_given_class, unlabelled_bound  # noqa: E402

HP = {
    "seed": 3,
    "objective": "M2 (Kingma et al. 2014): labelled -ELBO(x,y) - alpha log q(y|x), unlabelled -U(x)",
    "labels_per_class": 100,
    "alpha": "0.1 * 60000",
    "latent_dim": 32,
    "hidden": 500,
    "epochs": 10,
    "batch_size": 100,
    "labelled_batch_size": 100,
    "optimizer": "Adam",
    "lr": 1e-3,
    "lr_final": 2e-4,
    "lr_schedule": "exponential decay per step from lr to lr_final",
    "grad_clip_norm": 100.0,
    "architecture": "MLPs with softplus: q(y|x) 784-500-500-10; q(z|x,y) 794-500-500-2*32; "
                    "p(x|y,z) 42-500-500-784 (Bernoulli logits)",
}


def labelled_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.RandomState(seed)
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picks))


@torch.no_grad()
def evaluate(model: M2, x: torch.Tensor, y: torch.Tensor, batch: int = 500):
    """q(y|x) accuracy, generative-classifier accuracy (argmax_y ELBO(x, y), one sample per
    class), their agreement, and the mean bound U(x)."""
    torch.manual_seed(0)
    correct_q = correct_gen = agree = 0
    bounds = []
    confusion = np.zeros((10, 10), dtype=np.int64)
    for s in range(0, x.shape[0], batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        pred_q = model.classify(xb).argmax(1)
        b = xb.shape[0]
        elbo = elbo_given_class(model, xb.repeat(10, 1, 1, 1),
                                torch.eye(10).repeat_interleave(b, 0)).reshape(10, b).t()
        pred_gen = elbo.argmax(1)
        correct_q += int((pred_q == yb).sum())
        correct_gen += int((pred_gen == yb).sum())
        agree += int((pred_q == pred_gen).sum())
        for t, p in zip(yb.tolist(), pred_q.tolist()):
            confusion[t, p] += 1
        bounds.append(unlabelled_bound(model, xb))
    n = x.shape[0]
    u = torch.cat(bounds)
    return {"q_y_accuracy": correct_q / n, "generative_classifier_accuracy": correct_gen / n,
            "agreement": agree / n, "bound_nats_per_image": float(u.mean()),
            "bound_std_error": float(u.std() / np.sqrt(n)), "confusion": confusion.tolist()}


@torch.no_grad()
def elbo_under_predicted_class(loaded, x: torch.Tensor, seed: int = 0, batch: int = 500):
    """The ELBO row of Strata's metrics table for a conditional model: each item encoded under
    the class q(y|x) predicts, one posterior sample (torch.manual_seed(seed)), analytic KL, and
    log p(x | z, y); no log p(y). Returns (mean ELBO, mean KL per layer)."""
    torch.manual_seed(seed)
    elbo, kl = [], []
    for s in range(0, x.shape[0], batch):
        xb = x[s:s + batch]
        y = F.one_hot(loaded.classify(xb).argmax(1), 10).float()
        post = loaded.posterior(xb, True, y)
        k = 0.5 * (post["p_logvar"][0] - post["q_logvar"][0]
                   + (post["q_logvar"][0].exp() + (post["q_mean"][0] - post["p_mean"][0]) ** 2)
                   * (-post["p_logvar"][0]).exp() - 1).sum(1)
        elbo.append(loaded.log_px(xb, post["z"], y) - k)
        kl.append(k)
    return float(torch.cat(elbo).mean()), [float(torch.cat(kl).mean())]


def refresh_card(model_path: str, x_test: torch.Tensor):
    """Adds the numbers Strata's metrics compute to an existing card (no training)."""
    card_path = os.path.splitext(model_path)[0] + ".card.json"
    with open(card_path) as f:
        card = json.load(f)
    loaded = torch.jit.load(model_path).eval()
    elbo, kl = elbo_under_predicted_class(loaded, x_test)
    card["test"].update(strata_rows(elbo, kl))
    common.write_card(card_path, card)
    log("refreshed %s: ELBO %.2f, KL %s" % (common.rel(card_path), elbo, kl))
    return 0


def strata_rows(elbo: float, kl):
    return {"elbo_nats_per_image": elbo,
            "elbo": "Strata's ELBO row: y = argmax q(y|x) per item, one z sample "
                    "(torch.manual_seed(0)), analytic KL, log p(y) not included",
            "kl_per_layer_nats": kl}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(common.MODELS_DIR, "fashion_m2.pt"))
    ap.add_argument("--epochs", type=int, default=HP["epochs"])
    ap.add_argument("--limit", type=int, default=0, help="(smoke test) use only N unlabelled images")
    ap.add_argument("--card-only", action="store_true",
                    help="recompute the card's ELBO and KL of an existing model, no training")
    args = ap.parse_args()
    if args.card_only:
        return refresh_card(args.out, torch.from_numpy(data.fashion_float("test")[0]))
    hp = dict(HP, epochs=args.epochs)
    common.setup(hp["seed"])
    timer = common.Timer()

    x_train, y_train = data.fashion_float("train")
    x_test, y_test = data.fashion_float("test")
    labelled = labelled_subset(y_train, hp["labels_per_class"], hp["seed"])
    x_lab = torch.from_numpy(x_train[labelled])
    y_lab = F.one_hot(torch.from_numpy(y_train[labelled]), 10).float()
    x_unl = torch.from_numpy(x_train if not args.limit else x_train[:args.limit])
    alpha = 0.1 * 60000

    model = M2(latent_dim=hp["latent_dim"], hidden=hp["hidden"])
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    steps_per_epoch = x_unl.shape[0] // hp["batch_size"]
    total = steps_per_epoch * hp["epochs"]
    decay = (hp["lr_final"] / hp["lr"]) ** (1.0 / max(1, total))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, decay)
    history = []
    t0 = common.Timer()
    for epoch in range(hp["epochs"]):
        perm = torch.randperm(x_unl.shape[0])
        model.train()
        tot = 0.0
        for s in range(steps_per_epoch):
            xu = x_unl[perm[s * hp["batch_size"]:(s + 1) * hp["batch_size"]]]
            li = torch.randint(0, x_lab.shape[0], (hp["labelled_batch_size"],))
            xl, yl = x_lab[li], y_lab[li]
            l_lab = -elbo_given_class(model, xl, yl).mean()
            l_cls = -(F.log_softmax(model.classify(xl), 1) * yl).sum(1).mean()
            l_unl = -unlabelled_bound(model, xu).mean()
            # Per-item losses are averaged over their batches; alpha is per labelled item
            # relative to the whole data set, so it is scaled by the labelled fraction.
            loss = l_unl + l_lab + alpha * x_lab.shape[0] / 60000.0 * l_cls
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip_norm"])
            opt.step()
            sched.step()
            tot += float(loss)
        model.eval()
        ev = evaluate(model, torch.from_numpy(x_test[:2000]), torch.from_numpy(y_test[:2000]))
        history.append({"epoch": epoch + 1, "train_loss": tot / steps_per_epoch,
                        "test2000_q_y_accuracy": ev["q_y_accuracy"],
                        "test2000_bound": ev["bound_nats_per_image"]})
        log("epoch %d loss %.2f acc %.4f bound %.2f (%.0f s)" % (
            epoch + 1, tot / steps_per_epoch, ev["q_y_accuracy"], ev["bound_nats_per_image"], t0.elapsed()))
    train_time = t0.elapsed()

    meta = contract.make_meta(
        "Fashion-MNIST M2 (semi-supervised, 100 labels per class)", 1, 28, 28,
        [{"name": "z", "shape": [hp["latent_dim"]]}],
        training={"data": "Fashion-MNIST train split: 1,000 labelled images (100 per class), "
                          "59,000 unlabelled; grey values /255, Bernoulli likelihood",
                  "objective": "M2 (Kingma et al. 2014)", "epochs": hp["epochs"],
                  "seed": hp["seed"], "card": "fashion_m2.card.json"},
        classes=data.FASHION_CLASSES, classifier=True)
    scripted = contract.export(model, args.out, meta)
    with torch.no_grad():
        z = [torch.randn(16, hp["latent_dim"])]
        y = torch.eye(10)[torch.arange(16) % 10]
        diff = float((model.decode(z, y) - scripted.decode(z, y)).abs().max())
    res = contract.validate(args.out)
    log("scripted vs eager decode max abs diff %.3g; valid %s %s" % (diff, res["ok"], res.get("errors")))

    loaded = torch.jit.load(args.out)
    loaded.eval()
    model.eval()
    test = evaluate(model, torch.from_numpy(x_test), torch.from_numpy(y_test))
    log("test: %s" % {k: v for k, v in test.items() if k != "confusion"})
    card = {
        "name": "fashion_m2",
        "file": "fashion_m2.pt",
        "description": meta["name"],
        "contract": meta["contract"],
        "layers": meta["layers"],
        "condition": meta["condition"],
        "data": dict(data.FASHION_CARD_DATA,
                     labelled="100 images per class from the training split, drawn with "
                              "numpy RandomState(%d) per class in class order" % hp["seed"]),
        "objective": hp["objective"],
        "hyperparameters": hp,
        "epochs": hp["epochs"],
        "seed": hp["seed"],
        "test": {
            "test_images": int(x_test.shape[0]),
            "q_y_accuracy": test["q_y_accuracy"],
            "generative_classifier_accuracy": test["generative_classifier_accuracy"],
            "generative_classifier": "argmax over y of a one-sample ELBO(x, y) + log p(y), "
                                     "torch.manual_seed(0)",
            "q_y_vs_generative_agreement": test["agreement"],
            "bound_nats_per_image": test["bound_nats_per_image"],
            "bound": "U(x) = sum_y q(y|x) ELBO(x,y) + H(q(y|x)), one z sample per class",
            "bound_std_error": test["bound_std_error"],
            "q_y_confusion_rows_true_columns_predicted": test["confusion"],
            **strata_rows(*elbo_under_predicted_class(loaded, torch.from_numpy(x_test))),
        },
        "history": history,
        "training_wall_time_seconds": round(train_time, 1),
        "machine": common.machine_facts(),
        "export_check": {"scripted_vs_eager_decode_max_abs_diff": diff, "validator_ok": res["ok"]},
        "reproduce": "/usr/bin/python3 tools/train_fashion_m2.py",
    }
    return common.finish_card(card, args.out, timer, res["ok"])


if __name__ == "__main__":
    sys.exit(main())
