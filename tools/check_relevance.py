#!/usr/bin/env python3
"""Self-check of the ARD-VAE relevance reference (strata_tools.relevance) on cases whose
answers are known:

(a) a linear decoder x = W z + c: every Jacobian is W, so the weight of unit l is
    ||W[:, l]||^2 for both reductions, at the means or at samples; the prior variance is
    mean(mu^2 + sigma^2) by hand; zero columns and a unit with mu = 0, sigma = 0 score 0;
    the number of units explaining 99% matches a direct count;
(b) the counting rule (strict > 0.99, ties by lower index, all-zero scores -> 0);
(c) Algorithm 1's sample (prior_eps) and the Jacobian at samples (jacobian_eps);
(d) forward-mode, reverse-mode, per-item and central-difference Jacobians agree on a
    nonlinear MLP, a transposed-convolution decoder and a layered (List[Tensor]) decoder;
    the authors' reduction is <= Eq. 18's;
(e) permuting units permutes the results; scaling the output by c scales the weights by
    c^2 and leaves shares and the count unchanged;
(f) on Strata's ConvVAE decoder (28x28, D = 64, 100 items) the float32 forward with
    autograd stays within the tolerance proposed in docs/metrics.md of the float64
    reference; timings are printed.

    /usr/bin/python3 tools/check_relevance.py      (exit status 1 on failure)
"""
import copy
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from strata_tools import relevance as rel  # noqa: E402
from strata_tools.models import ConvVAE  # noqa: E402

torch.set_num_threads(1)
failures = []


def check(ok, what):
    print("%s  %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(b), 1e-300)
    return float(np.max(np.where(b == 0, np.abs(a), np.abs(a - b) / scale)))


def direct_count(r, explained=0.99):
    """Independent count: walk the scores from the largest, stop once the running sum
    exceeds explained * total."""
    r = [float(v) for v in r]
    total = sum(r)
    if total == 0:
        return 0
    idx = sorted(range(len(r)), key=lambda i: (-r[i], i))
    run = 0.0
    for k, i in enumerate(idx, 1):
        run += r[i]
        if run / total > explained:
            return k
    return len(r)


# ---------------------------------------------------------------- (a) linear decoder
print("(a) linear decoder")
g = torch.Generator().manual_seed(1)
D, N = 9, 500
W = torch.randn(30, D, generator=g, dtype=torch.float64)
W[:, :4] *= torch.tensor([4.0, 2.5, 1.5, 0.8], dtype=torch.float64)   # graded relevance
W[:, 4] = 0.0                                    # unit 4: decoder ignores it
W[:, 5] = 0.0                                    # unit 5: ignored, large posterior spread
W[:, 6:] *= 0.01                                 # units 6, 7: small columns
c = torch.randn(30, dtype=torch.float64, generator=g)
mu = torch.randn(N, D, generator=g, dtype=torch.float64) * torch.linspace(2.0, 0.2, D, dtype=torch.float64)
logvar = torch.randn(N, D, generator=g, dtype=torch.float64) * 0.3 - 1.0
mu[:, 5] *= 10.0
mu[:, 8] = 0.0                                   # unit 8: mu = 0 and sigma = 0 ...
logvar[:, 8] = float("-inf")                     # ... but a non-zero decoder column


def linear_decode(z):
    return (z @ W.T + c).reshape(z.shape[0], 1, 5, 6)


pv_hand = (mu.numpy() ** 2 + np.exp(logvar.numpy())).mean(axis=0)
w_hand = (W.numpy() ** 2).sum(axis=0)
r_hand = w_hand * pv_hand
k_hand = direct_count(r_hand)
for method in rel.METHODS:
    for reduce in rel.REDUCES:
        out = rel.relevance_scores(linear_decode, mu, logvar, method=method, reduce=reduce)
        tol = 1e-8 if method == "fd" else 1e-12
        check(rel_err(out["prior_variance"], pv_hand) < 1e-14
              and rel_err(out["jacobian_weight"], w_hand) < tol
              and rel_err(out["relevance"], r_hand) < tol
              and out["n_explained"] == k_hand,
              "%-7s %-11s weight = ||W_l||^2, variance = mean(mu^2 + sigma^2), k = %d"
              % (method, reduce, out["n_explained"]))
        check(out["relevance"][4] == 0.0 and out["relevance"][5] == 0.0
              and out["relevance"][8] == 0.0 and out["prior_variance"][8] == 0.0,
              "%-7s %-11s zero columns and the unit with sigma_hat^2 = 0 score exactly 0"
              % (method, reduce))
out = rel.relevance_scores(linear_decode, mu, logvar)
check(out["prior_variance"][5] > 10 * out["prior_variance"][0] and out["relevance"][5] == 0.0,
      "a wide posterior on an ignored unit does not make it relevant (variance %.1f, score 0)"
      % out["prior_variance"][5])
check(list(out["order"][:4]) == [0, 1, 2, 3] and abs(out["share"].sum() - 1.0) < 1e-15
      and abs(out["cumulative"][-1] - 1.0) < 1e-15,
      "order %s, shares sum to 1" % (list(out["order"]),))
check(out["relevant"].sum() == out["n_explained"]
      and set(np.flatnonzero(out["relevant"])) == set(out["order"][:out["n_explained"]]),
      "relevant mask = the %d top units" % out["n_explained"])

# ---------------------------------------------------------------- (b) counting rule
print("(b) counting rule")
r = rel.rank_units([50.0, 30.0, 15.0, 4.0, 0.9, 0.1, 0.0, 0.0])
check(r["n_explained"] == 5 and abs(r["cumulative"][3] - 0.99) == 0.0,
      "cumulative share exactly 0.99 at k = 4 is not enough (strict >): k = 5")
check(rel.rank_units([60.0, 30.0, 9.5, 0.5])["n_explained"] == 3, "0.6, 0.9, 0.995 -> k = 3")
check(rel.rank_units([0.0, 0.0, 0.0])["n_explained"] == 0
      and not rel.rank_units([0.0, 0.0])["share"].any(), "all scores 0 -> k = 0, shares 0")
check(list(rel.rank_units([1.0, 3.0, 3.0, 0.0])["order"]) == [1, 2, 0, 3], "ties: lower index first")
check(rel.rank_units([5.0])["n_explained"] == 1, "one unit -> k = 1")
rng = np.random.default_rng(0)
ok = all(rel.rank_units(v)["n_explained"] == direct_count(v)
         for v in (rng.exponential(size=rng.integers(1, 40)) ** rng.integers(1, 6) for _ in range(300)))
check(ok, "300 random score vectors: count = direct count")

# ---------------------------------------------------------------- (c) samples
print("(c) Algorithm 1 sample and Jacobian at samples")
eps = torch.randn(N, D, generator=g, dtype=torch.float64)
out_s = rel.relevance_scores(linear_decode, mu, logvar, prior_eps=eps, jacobian_eps=eps)
z_alg1 = mu + torch.exp(0.5 * logvar) * eps
check(rel_err(out_s["prior_variance"], (z_alg1.numpy() ** 2).mean(axis=0)) < 1e-14,
      "prior_eps: sigma_hat^2 = b / a = (1/n) sum z^2 of Algorithm 1's sample")
check(rel_err(out_s["jacobian_weight"], w_hand) < 1e-12 and out_s["evaluated_at"] == "sample",
      "jacobian_eps: linear decoder weight unchanged at samples")
gap = np.abs(out_s["prior_variance"][:8] - pv_hand[:8]) / pv_hand[:8]   # unit 8: both 0
check(gap.max() < 12 * np.sqrt(2.0 / N) and out_s["prior_variance"][8] == 0.0,
      "sample vs expectation within sampling error (max rel %.3f, N = %d)" % (gap.max(), N))

# ---------------------------------------------------------------- (d) methods agree
print("(d) Jacobian methods agree on nonlinear decoders")
torch.manual_seed(3)
mlp = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 20), nn.Sigmoid()).double().eval()
mu6 = torch.randn(40, 6, dtype=torch.float64)
lv6 = torch.randn(40, 6, dtype=torch.float64) * 0.2 - 0.5


def mlp_decode(z):
    return mlp(z).reshape(z.shape[0], 2, 10)


def all_methods(decode, m, lv, label, fd_tol=1e-7, **kw):
    res = {meth: rel.relevance_scores(decode, m, lv, method=meth, jacobian_items=None, **kw)
           for meth in rel.METHODS}
    ref = res["loop"]
    for meth in ("forward", "reverse", "fd"):
        tol = fd_tol if meth == "fd" else 1e-11
        e1 = rel_err(res[meth]["jacobian_weight_mean_sq"], ref["jacobian_weight_mean_sq"])
        e2 = rel_err(res[meth]["jacobian_weight_sq_mean_abs"], ref["jacobian_weight_sq_mean_abs"])
        check(e1 < tol and e2 < tol, "%s: %-7s = loop (rel %.1e, %.1e)" % (label, meth, e1, e2))
    check(np.all(ref["jacobian_weight_sq_mean_abs"] <= ref["jacobian_weight_mean_sq"] * (1 + 1e-12)),
          "%s: authors' reduction <= Eq. 18" % label)
    return ref


all_methods(mlp_decode, mu6, lv6, "MLP 6->32->20")
# small chunks exercise the block loop
a = rel.relevance_scores(mlp_decode, mu6, lv6, jacobian_items=None, max_elements=500)
b_ = rel.relevance_scores(mlp_decode, mu6, lv6, jacobian_items=None)
check(rel_err(a["relevance"], b_["relevance"]) < 1e-13, "blocks of 3 items = one block")

conv = nn.Sequential(nn.Linear(5, 4 * 3 * 3), nn.ReLU(), nn.Unflatten(1, (4, 3, 3)),
                     nn.ConvTranspose2d(4, 3, 4, 2, 1), nn.ReLU(),
                     nn.ConvTranspose2d(3, 1, 4, 2, 1), nn.Sigmoid()).double().eval()
mu5 = torch.randn(12, 5, dtype=torch.float64)
lv5 = torch.randn(12, 5, dtype=torch.float64) * 0.2 - 0.5
all_methods(conv, mu5, lv5, "conv-transpose 5->[1,12,12]", fd_tol=1e-6)

mlp_b = nn.Sequential(nn.Linear(6, 16), nn.Softplus(), nn.Linear(16, 12)).double().eval()


def layered_decode(zs):
    return mlp_b(torch.cat(zs, dim=1)).reshape(zs[0].shape[0], 3, 4)


lay = rel.relevance_scores(layered_decode, [mu6[:, :2], mu6[:, 2:]], [lv6[:, :2], lv6[:, 2:]])
flat = rel.relevance_scores(lambda z: mlp_b(z), mu6, lv6)
check(rel_err(lay["relevance"], flat["relevance"]) < 1e-13 and lay["relevance"].shape == (6,),
      "layered decode(List[Tensor]): units concatenated top first = flat decoder")

# ---------------------------------------------------------------- (e) invariances
print("(e) invariances")
perm = torch.randperm(6)
mlp_p = copy.deepcopy(mlp)
with torch.no_grad():
    mlp_p[0].weight.copy_(mlp[0].weight[:, perm])
base = rel.relevance_scores(mlp_decode, mu6, lv6)
permuted = rel.relevance_scores(lambda z: mlp_p(z), mu6[:, perm], lv6[:, perm])
check(rel_err(permuted["relevance"], base["relevance"][perm.numpy()]) < 1e-12
      and permuted["n_explained"] == base["n_explained"], "permuting units permutes the scores")
scaled = rel.relevance_scores(lambda z: 3.0 * mlp_decode(z), mu6, lv6)
check(rel_err(scaled["jacobian_weight"], 9.0 * base["jacobian_weight"]) < 1e-13
      and rel_err(scaled["share"], base["share"]) < 1e-13
      and scaled["n_explained"] == base["n_explained"],
      "output x 3: weights x 9, shares and count unchanged")

# ---------------------------------------------------------------- (f) float32 vs float64
print("(f) Strata ConvVAE decoder (28x28, D = 64): float32 autograd vs float64 reference")
torch.manual_seed(7)
model = ConvVAE(latent_dim=64, image_size=28).eval()
# ARD-like posterior: 10 used units, 54 near the prior (mean ~ 0, sigma ~ 1) ...
n_items = 1000
mu64 = torch.randn(n_items, 64) * torch.cat([torch.linspace(2.0, 0.5, 10), torch.full((54,), 0.02)])
lv64 = torch.cat([torch.full((n_items, 10), -3.0), torch.full((n_items, 54), -0.01)], dim=1)
lv64 = lv64 + 0.1 * torch.randn(n_items, 64)
# ... and a decoder that hardly uses those 54 (first layer columns scaled down)
with torch.no_grad():
    model.decoder[0].weight[:, 10:] *= 1e-3
model64 = copy.deepcopy(model).double()
dec64 = model64.decode
t0 = time.time()
ref = rel.relevance_scores(lambda z: dec64([z]), mu64, lv64, method="forward")
t_fwd = time.time() - t0
t0 = time.time()
ref_rev = rel.relevance_scores(lambda z: dec64([z]), mu64, lv64, method="reverse")
t_rev = time.time() - t0
check(rel_err(ref_rev["relevance"], ref["relevance"]) < 1e-10,
      "float64 forward = reverse (forward %.1f s, reverse %.1f s for 100 items x 784 x 64)"
      % (t_fwd, t_rev))
print("      reference: k99 = %d, top shares %s, active units %d, collapsed units %d"
      % (ref["n_explained"], np.round(ref["share"][ref["order"][:4]], 4).tolist(),
         rel.unit_criteria(mu64, lv64)["active"].sum(), rel.unit_criteria(mu64, lv64)["collapsed"].sum()))

alt = rel.rank_units(ref["jacobian_weight_sq_mean_abs"] * ref["prior_variance"])
at_sample = rel.relevance_scores(lambda z: dec64([z]), mu64, lv64,
                                 jacobian_eps=torch.randn(100, 64, dtype=torch.float64))
print("      authors' code reduction: k99 = %d; Jacobian at samples: k99 = %d; "
      "sigma_hat^2 alone: k99 = %d"
      % (alt["n_explained"], at_sample["n_explained"],
         rel.rank_units(ref["prior_variance"])["n_explained"]))

# float32 emulation of the C++ path: float32 model and inputs, reverse-mode autograd,
# float32 accumulation of squares and sums (worst case), float64 only for the ranking.
dec32 = model.decode
mu32, lv32 = mu64.float(), lv64.float()
pv32 = (mu32 ** 2 + torch.exp(lv32)).mean(dim=0)
zj = mu32[:100].clone()
jac32 = torch.autograd.functional.jacobian(lambda v: dec32([v]).reshape(100, -1).sum(0), zj,
                                           vectorize=True)      # [784, 100, 64] float32
w32 = (jac32 ** 2).sum(dim=(0, 1)) / 100
r32 = (w32 * pv32).double().numpy()
rk32 = rel.rank_units(r32)
e_pv = rel_err(pv32.numpy(), ref["prior_variance"])
e_w = rel_err(w32.numpy(), ref["jacobian_weight"])
e_share = float(np.max(np.abs(rk32["share"] - ref["share"])))
e_cum = float(np.max(np.abs(rk32["cumulative"] - ref["cumulative"])))
print("      float32: max rel error prior variance %.1e, Jacobian weight %.1e; "
      "max abs error share %.1e, cumulative %.1e; k99 %d vs %d"
      % (e_pv, e_w, e_share, e_cum, rk32["n_explained"], ref["n_explained"]))
check(e_pv < 1e-5 and e_w < 1e-4 and e_share < 1e-5 and e_cum < 1e-5
      and rk32["n_explained"] == ref["n_explained"],
      "float32 within the proposed tolerance (variance 1e-5 rel, weight 1e-4 rel, "
      "share 1e-5 abs, same k99)")

print()
if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
