#!/usr/bin/env python3
"""References for Dang et al.'s linear-theory collapse prediction (docs/metrics.md,
"Collapse predicted by the linear theory"), computed with NumPy and PyTorch alone.

    /usr/bin/python3 tools/collapse_reference.py spectrum MODEL.pt FIRST COUNT OUT.json
    /usr/bin/python3 tools/collapse_reference.py linear SEED OUT_DIR

spectrum: the Fashion-MNIST t10k items FIRST .. FIRST+COUNT-1 in the model's input space (its
range, then any normalisation); for a conditional model each item's y is its label, one-hot
(the items whose label is one of the model's K classes). Writes JSON: items, eigenvalues (the
largest 256 of the unexplained covariance), threshold = beta * decoder_std^2 from
strata_meta.objective (beta 1 when not declared), predicted_active, predicted_unit_kl.

linear: the theory itself, by training. Synthetic data x = class mean + within-class noise of
a known spectrum (12 dimensions, 3 classes, 6,000 items, seeded), written to OUT_DIR/x.npy and
OUT_DIR/y.npy (float64, y one-hot). A linear conditional VAE is trained on them in PyTorch
(float64, full batch, Adam): q(z|x,y) = N(W [x; y] + b, diag(exp(s))) with a learnable
log-variance s per unit, p(x|z,y) = N(U z + V y + c, decoder_std^2 I), p(z) = N(0, I), 8
units, beta = 1, decoder_std = 0.75, the expected reconstruction term in closed form. Writes
OUT_DIR/trained.json: beta, decoder_std, units, unit_kl (mean KL per unit at the end, largest
first), loss.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import contract, data  # noqa: E402
from strata_tools.linear_collapse import predicted_active, unexplained_spectrum  # noqa: E402


def spectrum(model_path, first, count, out_path):
    model = torch.jit.load(model_path).eval()
    meta = json.loads(model.strata_meta)
    x_all, y_all = data.fashion_float("test")
    k = len(meta.get("condition", {}).get("classes", []))
    items = [i for i in range(first, first + count) if not k or y_all[i] < k]
    x = contract.to_model_inputs(torch.from_numpy(x_all[items]), meta).double().numpy()
    condition = (np.eye(k)[y_all[items]] if k else np.zeros((len(items), 0)))
    ev = unexplained_spectrum(x, condition)
    objective = meta.get("objective", {})
    beta = float(objective.get("beta", 1.0))
    std = float(objective["decoder_std"])
    units = sum(int(np.prod(l["shape"])) for l in meta["layers"])
    threshold = beta * std * std
    unit_kl = [0.5 * np.log(v / threshold) if v > threshold else 0.0 for v in ev[:units]]
    out = {"items": len(items), "eigenvalues": ev[:256].tolist(), "threshold": threshold,
           "predicted_active": predicted_active(ev, units, beta, std),
           "predicted_unit_kl": [float(v) for v in unit_kl]}
    with open(out_path, "w") as f:
        json.dump(out, f)


def linear(seed, out_dir):
    rng = np.random.RandomState(seed)
    dims, classes, n, units = 12, 3, 6000, 8
    beta, std = 1.0, 0.75
    # Within-class variances: five above beta * std^2 = 0.5625, the rest well below.
    variances = np.array([4.0, 2.5, 1.5, 1.0, 0.8, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01])
    basis, _ = np.linalg.qr(rng.randn(dims, dims))
    labels = rng.randint(classes, size=n)
    means = 3.0 * rng.randn(classes, dims)
    x = means[labels] + (rng.randn(n, dims) * np.sqrt(variances)) @ basis.T
    y = np.eye(classes)[labels]
    np.save(os.path.join(out_dir, "x.npy"), x)
    np.save(os.path.join(out_dir, "y.npy"), y)

    torch.manual_seed(seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    inputs = torch.cat([xt, yt], 1)
    enc = torch.nn.Linear(dims + classes, units).double()
    log_var = torch.nn.Parameter(torch.zeros(units, dtype=torch.float64))
    dec_z = torch.nn.Linear(units, dims, bias=False).double()
    dec_y = torch.nn.Linear(classes, dims).double()
    params = list(enc.parameters()) + [log_var] + list(dec_z.parameters()) + list(dec_y.parameters())
    opt = torch.optim.Adam(params, lr=0.02)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2000, 0.3)
    for _ in range(8000):
        mu = enc(inputs)
        var = log_var.exp()
        residual = xt - dec_z(mu) - dec_y(yt)
        # E_q ||x - U z - V y - c||^2 = ||x - U mu - V y - c||^2 + sum_j var_j ||U_j||^2
        rec = (residual ** 2).sum(1) + (var * (dec_z.weight ** 2).sum(0)).sum()
        kl = 0.5 * (var + mu ** 2 - 1 - log_var).sum(1)
        loss = (rec / (2 * std * std) + beta * kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        mu = enc(inputs)
        unit_kl = (0.5 * (log_var.exp() + mu ** 2 - 1 - log_var)).mean(0)
    out = {"beta": beta, "decoder_std": std, "units": units, "loss": float(loss),
           "unit_kl": sorted((float(v) for v in unit_kl), reverse=True)}
    with open(os.path.join(out_dir, "trained.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "spectrum":
        spectrum(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        linear(int(sys.argv[2]), sys.argv[3])
