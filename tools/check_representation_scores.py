#!/usr/bin/env python3
"""Self-check of strata_tools.representation_scores on synthetic codes with known answers:

(a) unit classes: exact boundaries of the rule, and an encoder whose units are
    passive (posterior = prior), active (small posterior variance), mixed (posterior
    variance 1 on half the items, 0.01 on the other half; or constant 0.5);
(b) Gaussian total correlation: independent units -> near 0; equal to the textbook
    formula 0.5 (sum log S_jj - log det S) and, for two units, to -0.5 log(1 - r^2);
    scale invariant; a duplicated unit -> singular, a near-duplicate -> large;
(c) mean pairwise MI: the 20-bin discretisation equals numpy.histogram edges with
    numpy.digitize; agrees with a direct contingency-table formula; a duplicated unit
    contributes its binned entropy, independent units ~0;
(d) evaluate: passive units that copy an active unit at a tiny scale correlate in the mean
    codes (high TC / MI) and not in the sampled ones; without them both are low; the
    report is strict JSON.

    /usr/bin/python3 tools/check_representation_scores.py      (exit status 1 on failure)
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from sklearn.metrics import mutual_info_score  # noqa: E402

from strata_tools import metrics  # noqa: E402
from strata_tools import representation_scores as rs  # noqa: E402

N = 10000
failures = []


def check(ok, what):
    print("  [%s] %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def direct_mi(a, b):
    """I(a; b) in nats from the contingency table of two integer label arrays."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])))


def entropy(labels):
    p = np.unique(labels, return_counts=True)[1] / labels.size
    return float(-np.sum(p * np.log(p)))


rng = np.random.default_rng(20240611)

print("(a) unit classes")
got = rs.classify([0.1, 0.1000001, 0.9, 1.1, 1.1000001, 0.5, 1.0, 1.0, 0.0],
                  [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0999999, 0.1, 0.05])
want = ["active", "mixed", "passive", "passive", "mixed", "mixed", "passive", "mixed", "active"]
check(got == want, "boundaries: mean <= 0.1 active, 0.9 <= mean <= 1.1 passive, "
      "variance < 0.1 strict: %s" % got)
mu = rng.standard_normal((N, 5))
logvar = np.empty((N, 5))
logvar[:, 0] = 0.0                                          # posterior = prior
mu[:, 0] = 0.0
logvar[:, 1] = np.log(0.01) + 0.1 * rng.standard_normal(N)  # active
logvar[:, 2] = np.where(np.arange(N) % 2 == 0, 0.0, np.log(0.01))   # mixed (var ~0.245)
logvar[:, 3] = np.log(0.5)                                  # mixed (mean 0.5)
logvar[:, 4] = 0.02 * rng.standard_normal(N)                # passive (sigma^2 ~ 1)
units = rs.unit_classes(logvar)
check(units["class"] == ["passive", "active", "mixed", "mixed", "passive"],
      "encoder units -> %s" % units["class"])
check(abs(units["posterior_variance_var"][2] - 0.245025) < 1e-9,
      "variance over items is the population one (ddof 0): %.6f"
      % units["posterior_variance_var"][2])
legacy = rs.mean_variance_classes(mu)
check(legacy["class"][0] == "passive" and legacy["class"][1] == "active",
      "earlier rule on the variance of mu: %s" % legacy["class"])

print("(b) Gaussian total correlation")
z = rng.standard_normal((N, 6))
tc = rs.gaussian_total_correlation(z)
check(0 <= tc < 0.01, "independent units: TC = %.5f (bias ~ D(D-1)/4N = %.5f)" % (tc, 30 / 4 / N))
mix = z @ rng.standard_normal((6, 6))
s = np.cov(mix, rowvar=False)
textbook = 0.5 * (np.sum(np.log(np.diag(s))) - np.linalg.slogdet(s)[1])
tc = rs.gaussian_total_correlation(mix)
check(abs(tc - textbook) < 1e-10, "mixed units: TC %.12f = formula %.12f" % (tc, textbook))
r = np.corrcoef(mix[:, 0], mix[:, 1])[0, 1]
check(abs(rs.gaussian_total_correlation(mix[:, :2]) + 0.5 * np.log(1 - r * r)) < 1e-12,
      "two units: TC = -0.5 log(1 - r^2)")
check(abs(rs.gaussian_total_correlation(mix * [1e-3, 1, 50, 1, 1, 7]) - tc) < 1e-10,
      "invariant to the scale of each unit")
dup = np.column_stack([z[:, :3], z[:, 0]])
check(rs.gaussian_total_correlation(dup) == math.inf, "duplicated unit: singular (+inf)")
near = np.column_stack([z[:, :3], z[:, 0] + 1e-3 * z[:, 4]])
tc_near = rs.gaussian_total_correlation(near)
check(tc_near > 5, "near-duplicate unit: TC = %.3f (expected ~ -0.5 log(1e-6) = 6.9)" % tc_near)
check(rs.gaussian_total_correlation(np.column_stack([z[:, :2], np.full(N, 3.0)])) is None,
      "constant unit: undefined (None)")

print("(c) mean pairwise mutual information")
u = rng.standard_normal(N)
dlib_bins = np.digitize(u, np.histogram(u, 20)[1][:-1])
check(np.array_equal(metrics.discretise(u, 20), dlib_bins),
      "20 bins = numpy.histogram edges[:-1] with numpy.digitize")
codes = np.column_stack([z[:, 0], z[:, 0] * 2 + 1, z[:, 1], mix[:, 2]])
binned = [metrics.discretise(codes[:, j], 20) for j in range(4)]
pairs = [direct_mi(binned[j], binned[k]) for j in range(4) for k in range(j + 1, 4)]
mi = rs.mean_pairwise_mi(codes)
check(abs(mi - np.mean(pairs)) < 1e-12, "agrees with a contingency-table formula: %.6f" % mi)
ordered = [mutual_info_score(binned[k], binned[j]) for j in range(4) for k in range(4) if j != k]
check(abs(mi - sum(ordered) / (4 * 4 - 4)) < 1e-12,
      "equals the off-diagonal mean of the full D x D matrix (ordered pairs)")
check(abs(pairs[0] - entropy(binned[0])) < 1e-12,
      "duplicated (affine) unit: I = H(binned) = %.4f nats" % pairs[0])
mi_ind = rs.mean_pairwise_mi(z)
check(mi_ind < 0.03, "independent units: mean MI = %.4f (20x20 plug-in bias ~ 361/2N = %.4f)"
      % (mi_ind, 361 / 2 / N))

print("(d) evaluate: mean vs sampled, with and without passive units")
n_act, n_pas = 4, 3
mu = np.zeros((N, n_act + n_pas))
logvar = np.zeros((N, n_act + n_pas))
mu[:, :n_act] = rng.standard_normal((N, n_act))
logvar[:, :n_act] = np.log(0.01)
for p in range(n_pas):     # passive units: prior variance, tiny mean tied to unit 0
    mu[:, n_act + p] = 1e-3 * (mu[:, 0] + 0.1 * rng.standard_normal(N))
rep = rs.evaluate(mu, logvar, seed=1)
text = json.dumps(rep, allow_nan=False)
check(rep["counts"] == {"active": n_act, "mixed": 0, "passive": n_pas},
      "classes: %s" % rep["counts"])
m, s = rep["scores"]["mean"], rep["scores"]["sampled"]
tcs = {k: (m[k]["gaussian_total_correlation"], s[k]["gaussian_total_correlation"])
       for k in ("all", "without_passive")}
mis = {k: (m[k]["mean_pairwise_mi"], s[k]["mean_pairwise_mi"]) for k in ("all", "without_passive")}
print("      TC  mean / sampled: all %.3f / %.4f   without passive %.4f / %.4f"
      % (tcs["all"] + tcs["without_passive"]))
print("      MI  mean / sampled: all %.3f / %.4f   without passive %.4f / %.4f"
      % (mis["all"] + mis["without_passive"]))
check(tcs["all"][0] > 3 and tcs["all"][1] < 0.01, "all units: TC high on mean, ~0 on sampled")
check(max(tcs["without_passive"]) < 0.01, "without passive units: TC ~0 on both")
check(mis["all"][0] > 0.3 and mis["all"][1] < 0.03, "all units: MI high on mean, ~0 on sampled")
check(rep["correlation"]["mean"][n_act][0] > 0.99 and abs(rep["correlation"]["sampled"][n_act][0]) < 0.05,
      "passive unit vs unit 0: r = %.3f (mean), %.3f (sampled)"
      % (rep["correlation"]["mean"][n_act][0], rep["correlation"]["sampled"][n_act][0]))
check(rep["scores"]["mean"]["mixed"]["mean_pairwise_mi"] is None,
      "empty subset has no scores")
check(len(text) > 0, "report is strict JSON (%d characters)" % len(text))

if failures:
    print("FAILED: %d check(s)" % len(failures))
    sys.exit(1)
print("all checks passed")
