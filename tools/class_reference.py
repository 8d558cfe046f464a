#!/usr/bin/env python3
"""Reference classifier scores and analogy images of a conditional Strata model (contract 2,
strata_meta.condition) on Fashion-MNIST test items, computed with PyTorch alone.

    /usr/bin/python3 tools/class_reference.py MODEL.pt FIRST COUNT SEED ANALOGY_ITEMS OUT.json

Those of the items FIRST .. FIRST+COUNT-1 of the t10k split whose label is one of the
model's K classes (label < K). As Strata documents it
(docs/metrics.md, "Conditional models"): q(y|x) is the argmax of classify(x); the generative
classifier takes, after torch.manual_seed(SEED), batches of 32 items repeated once per class
(row c*B + i is item i under class c), one posterior(x, True, y) draw each, and
ELBO(x, y) = log_px(x, z, y) - KL(q || p) + log(1/K) with the analytic Gaussian KL.
ANALOGY_ITEMS (comma-separated) are encoded under their label (posterior mean) and decoded
under every class. Writes JSON: labels, q_predicted, generative_predicted, elbo_gap (between
the best and second-best class per item), mean_entropy, bound (mean of M2's U(x) =
sum_y q(y|x) ELBO(x, y) + H(q(y|x))), analogy [items][classes][pixels].
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import contract, data  # noqa: E402

BATCH = 32


def main(model_path, first, count, seed, analogy_items, out_path):
    torch.set_num_threads(1)
    model = torch.jit.load(model_path).eval()
    meta = json.loads(model.strata_meta)
    k = len(meta["condition"]["classes"])
    x_all, y_all = data.fashion_float("test")
    keep = [i for i in range(first, first + count) if y_all[i] < k]
    x = contract.to_model_inputs(torch.from_numpy(x_all[keep]), meta)
    labels = y_all[keep].tolist()
    count = len(keep)
    out = {"labels": labels, "q_predicted": [], "generative_predicted": [], "elbo_gap": []}
    entropy = 0.0
    bound = 0.0
    torch.manual_seed(seed)
    with torch.no_grad():
        for s in range(0, count, BATCH):
            xb = x[s:s + BATCH]
            b = xb.shape[0]
            log_q = None
            if meta["condition"].get("classifier"):
                log_q = F.log_softmax(model.classify(xb).double(), 1)
                entropy += float(-(log_q.exp() * log_q).sum())
                out["q_predicted"] += log_q.argmax(1).tolist()
            xs = xb.repeat(k, 1, 1, 1)
            ys = F.one_hot(torch.arange(k).repeat_interleave(b), k).float()
            post = model.posterior(xs, True, ys)
            kl = torch.zeros(k * b, dtype=torch.float64)
            for qm, qlv, pm, plv in zip(post["q_mean"], post["q_logvar"], post["p_mean"], post["p_logvar"]):
                qm, qlv, pm, plv = (t.double().flatten(1) for t in (qm, qlv, pm, plv))
                kl += (0.5 * (plv - qlv + (qlv.exp() + (qm - pm) ** 2) * (-plv).exp() - 1)).sum(1)
            lp = model.log_px(xs, post["z"], ys).double()
            elbo = (lp - kl - torch.log(torch.tensor(float(k), dtype=torch.float64))).reshape(k, b).t()
            if log_q is not None:
                bound += float((log_q.exp() * (elbo - log_q)).sum())
            top2 = elbo.topk(2, 1).values
            out["generative_predicted"] += elbo.argmax(1).tolist()
            out["elbo_gap"] += (top2[:, 0] - top2[:, 1]).tolist()
        out["mean_entropy"] = entropy / count
        out["bound"] = bound / count
        analogy = []
        for item in analogy_items:
            xi = contract.to_model_inputs(torch.from_numpy(x_all[item:item + 1]), meta)
            yi = F.one_hot(torch.tensor([int(y_all[item])]), k).float()
            z = model.posterior(xi, False, yi)["z"]
            zs = [t.repeat(k, *([1] * (t.dim() - 1))) for t in z]
            decoded = contract.to_data_units(model.decode(zs, torch.eye(k)), meta)
            analogy.append(decoded.reshape(k, -1).tolist())
        out["analogy"] = analogy
    with open(out_path, "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    items = [int(v) for v in sys.argv[5].split(",") if v]
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), items, sys.argv[6]))
