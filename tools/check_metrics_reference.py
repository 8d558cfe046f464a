#!/usr/bin/env python3
"""Self-check of the metrics reference (strata_tools.metrics, tools/metrics_reference.py)
on synthetic codes whose answers are known:

(a) a disentangled code (one dimension per factor holding its class plus tiny noise,
    plus noise, collapsed and constant dimensions) scores near 1 on every metric;
(b) a random rotation of that code (every dimension mixed) has a low MIG and a clearly
    lower DCI disentanglement;
(c) matching a code against a permuted, sign-flipped copy recovers the permutation
    (square, and rectangular with extra units);
(d) the scikit-learn solvers minimise the objectives as docs/metrics.md writes them
    (Lasso optimality conditions, logistic-regression gradient), and MIG and SAP agree
    with direct formulas on a small problem;
(e) the command line tool reproduces the in-process results on a full-size plan
    (N = 10000, D = 10, K = 5, T = 5000, E = 2500, L = 64) and rejects bad plans.

Plans are drawn with NumPy following the sampling rules in docs/metrics.md.

    /usr/bin/python3 tools/check_metrics_reference.py      (exit status 1 on failure)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from scipy.stats import pearsonr  # noqa: E402

from strata_tools import metrics  # noqa: E402

N, T, E, L = 10000, 5000, 2500, 64
failures = []


def check(ok, what):
    print("  [%s] %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


# ---------------------------------------------------------------- sampling plans

def sample_factorvae(classes, rng, n_votes, size):
    """Votes: a factor uniformly, one of its classes with >= size items uniformly,
    `size` items of that class without replacement."""
    n_factors = classes.shape[1]
    members = [[np.flatnonzero(classes[:, k] == c) for c in range(classes[:, k].max() + 1)]
               for k in range(n_factors)]
    eligible = [[c for c, m in enumerate(members[k]) if m.size >= size]
                for k in range(n_factors)]
    factor = rng.integers(n_factors, size=n_votes)
    groups = np.empty((n_votes, size), dtype=np.int64)
    for t, k in enumerate(factor):
        c = eligible[k][rng.integers(len(eligible[k]))]
        groups[t] = rng.choice(members[k][c], size=size, replace=False)
    return groups, factor.astype(np.int64)


def sample_betavae(classes, rng, n_examples, size):
    """Examples: a factor k uniformly; `size` pairs (a, b), a uniform over the items,
    b uniform over the items with the class of k of a (a itself included)."""
    n, n_factors = classes.shape
    factor = rng.integers(n_factors, size=n_examples)
    a = rng.integers(n, size=(n_examples, size))
    b = np.empty_like(a)
    for k in range(n_factors):
        rows = factor == k
        order = np.argsort(classes[:, k], kind="stable")      # items grouped by class
        counts = np.bincount(classes[:, k])
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        ca = classes[a[rows], k]
        b[rows] = order[starts[ca] + rng.integers(0, counts[ca])]
    return np.stack([a, b], axis=-1).astype(np.int64), factor.astype(np.int64)


def make_plan(codes, factors, seed):
    rng = np.random.default_rng(seed)
    classes, _ = metrics.factor_classes(factors)
    plan = {"codes": codes, "factors": factors}
    plan["fv_train"], plan["fv_train_factor"] = sample_factorvae(classes, rng, T, L)
    plan["fv_eval"], plan["fv_eval_factor"] = sample_factorvae(classes, rng, E, L)
    plan["bv_train"], plan["bv_train_factor"] = sample_betavae(classes, rng, T, L)
    plan["bv_eval"], plan["bv_eval_factor"] = sample_betavae(classes, rng, E, L)
    return plan


# ---------------------------------------------------------------- synthetic codes

def make_factors(rng, n):
    """Six raw factors: 3, 6 values, a continuous one (> 20 values, so 20 bins), a
    constant one (dropped), 10 and 8 values. Five are kept."""
    return np.stack([rng.integers(1, 4, n).astype(float),
                     np.linspace(0.5, 1.0, 6)[rng.integers(0, 6, n)],
                     rng.uniform(0.0, 2.0 * np.pi, n),
                     np.full(n, 7.0),
                     rng.integers(0, 10, n) * 0.1,
                     rng.integers(0, 8, n) - 4.0], axis=1)


def disentangled_codes(classes, rng):
    """D = 10: the five factors (standardised class + noise 0.01 of a class step) in
    shuffled dimensions, three N(0, 1) dimensions, a collapsed one (std 0.01, pruned by
    FactorVAE) and a constant one."""
    n, n_factors = classes.shape
    codes = np.empty((n, 10))
    where = np.array([6, 2, 9, 0, 4])                  # dimension of each factor
    for k in range(n_factors):
        c = classes[:, k] + 0.01 * rng.standard_normal(n)
        codes[:, where[k]] = (c - c.mean()) / c.std()
    codes[:, [1, 3, 8]] = rng.standard_normal((n, 3))
    codes[:, 5] = 0.01 * rng.standard_normal(n)
    # 0.1 on purpose: its computed mean is not exactly 0.1, so its computed standard
    # deviation is ~1e-17, not 0; the metrics must still treat it as constant.
    codes[:, 7] = 0.1
    return codes, where


def random_rotation(d, rng):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))                      # Haar-distributed


def timed(name, fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    print("    %-10s %6.2f s" % (name, time.perf_counter() - t0))
    return out


def all_scores(plan):
    codes, classes, _ = metrics.check_plan(plan)
    return {"mig": timed("mig", metrics.mig, codes, classes),
            "sap": timed("sap", metrics.sap, codes, classes),
            "dci": timed("dci", metrics.dci, codes, classes),
            "factorvae": timed("factorvae", metrics.factorvae, codes, classes, plan["fv_train"],
                               plan["fv_train_factor"], plan["fv_eval"], plan["fv_eval_factor"]),
            "betavae": timed("betavae", metrics.betavae, codes, plan["bv_train"],
                             plan["bv_train_factor"], plan["bv_eval"], plan["bv_eval_factor"])}


def summary(s):
    return ("MIG %.4f  SAP %.4f  DCI D/C/I %.4f/%.4f/%.4f  FactorVAE %.4f (train %.4f, "
            "pruned %s)  beta-VAE %.4f (train %.4f)"
            % (s["mig"]["score"], s["sap"]["score"], s["dci"]["disentanglement"],
               s["dci"]["completeness"], s["dci"]["informativeness"], s["factorvae"]["score"],
               s["factorvae"]["train_accuracy"], s["factorvae"]["pruned_dims"],
               s["betavae"]["score"], s["betavae"]["train_accuracy"]))


# ---------------------------------------------------------------- checks

def check_scores(rng):
    factors = make_factors(rng, N)
    classes, kept = metrics.factor_classes(factors)
    check(kept == [0, 1, 2, 4, 5] and classes[:, 2].max() == 19,
          "factor_classes drops the constant factor and bins the continuous one (kept %s)"
          % kept)
    codes, where = disentangled_codes(classes, rng)
    plan = make_plan(codes, factors, seed=1)

    print("(a) disentangled code")
    s = all_scores(plan)
    print("    " + summary(s))
    check(s["mig"]["score"] > 0.9, "MIG > 0.9")
    check(s["sap"]["score"] > 0.9, "SAP > 0.9")
    check(s["dci"]["disentanglement"] > 0.9, "DCI disentanglement > 0.9")
    check(s["dci"]["completeness"] > 0.9, "DCI completeness > 0.9")
    check(s["dci"]["informativeness"] > 0.99, "DCI informativeness > 0.99")
    check(s["factorvae"]["score"] >= 0.99, "FactorVAE score >= 0.99")
    check(s["factorvae"]["pruned_dims"] == [5, 7], "FactorVAE prunes the collapsed and "
          "the constant dimension")
    check(s["betavae"]["score"] >= 0.99, "beta-VAE score >= 0.99")
    imp = np.array(s["dci"]["importance"])
    check(np.array_equal(np.argmax(imp, axis=0), where),
          "DCI: each factor's most important dimension is its own")

    print("(b) randomly rotated code")
    rotated = codes @ random_rotation(codes.shape[1], rng)
    r = all_scores(dict(plan, codes=rotated))
    print("    " + summary(r))
    check(r["mig"]["score"] < 0.2, "MIG < 0.2")
    check(r["dci"]["disentanglement"] < 0.5
          and r["dci"]["disentanglement"] < s["dci"]["disentanglement"] - 0.4,
          "DCI disentanglement < 0.5 and at least 0.4 below the disentangled code's")
    check(r["dci"]["informativeness"] > 0.99, "DCI informativeness unchanged (rotation is "
          "invertible)")
    return plan


def check_matching(rng, codes):
    print("(c) unit matching")
    d = codes.shape[1]
    perm = rng.permutation(d)
    signs = np.where(rng.random(d) < 0.5, -1.0, 1.0)
    copy = codes[:, perm] * signs                     # copy column j = unit perm[j]
    position = np.argsort(perm)                       # unit i sits in copy column position[i]
    m = timed("square", metrics.match_units, codes, copy)
    c = np.array(m["correlation"])
    varying = ~metrics._is_constant(codes)
    check(m["rows"] == list(range(d)) and np.array_equal(m["cols"], position),
          "square: the permutation is recovered")
    check(np.allclose(c[np.arange(d)[varying], position[varying]], signs[position[varying]],
                      atol=1e-12),
          "square: matched correlations are +/-1 with the flipped signs")
    check(np.all(c[~varying] == 0) and np.all(c[:, position[~varying]] == 0),
          "square: the constant unit has correlation 0")

    noisy = np.hstack([rng.standard_normal((codes.shape[0], 2)),
                       copy + 0.05 * rng.standard_normal(copy.shape)])
    m = timed("wider", metrics.match_units, codes, noisy)
    cols = np.array(m["cols"])
    # The constant unit correlates 0 with every unit, so its partner is arbitrary.
    check(m["rows"] == list(range(d)) and np.array_equal(cols[varying], position[varying] + 2),
          "rectangular (10 vs 12 units, noisy copy): the permutation is recovered")
    m = metrics.match_units(noisy, codes)
    partner = dict(zip(m["rows"], m["cols"]))         # unit of `noisy` -> unit of `codes`
    check(len(partner) == d
          and all(partner.get(position[i] + 2) == i for i in np.flatnonzero(varying)),
          "rectangular (12 vs 10 units): the permutation is recovered")


def check_objectives(plan):
    print("(d) objectives and direct formulas")
    codes, classes, _ = metrics.check_plan(plan)
    n_train = int(0.8 * codes.shape[0])
    x, _ = metrics.standardise(codes[:n_train], codes[n_train:])
    y, _ = metrics.standardise(classes[:n_train], classes[n_train:])
    worst = 0.0
    for k in range(classes.shape[1]):
        model = metrics.fit_lasso(x, y[:, k])
        residual = y[:, k] - x @ model.coef_ - model.intercept_
        g = x.T @ residual / n_train                  # -gradient of the smooth part
        nz = model.coef_ != 0
        # Optimality: g_j = alpha sign(w_j) where w_j != 0, |g_j| <= alpha elsewhere;
        # residuals sum to 0 (free intercept).
        worst = max(worst, np.max(np.abs(g[nz] - metrics.DCI_ALPHA * np.sign(model.coef_[nz])),
                                  initial=0.0),
                    np.max(np.abs(g[~nz]), initial=0.0) - metrics.DCI_ALPHA,
                    abs(residual.mean()))
    check(worst < 1e-8, "Lasso: optimality conditions of (1/2n)||y-Xw-b||^2 + alpha||w||_1 "
          "hold (worst violation %.1e)" % worst)

    labels = plan["bv_train_factor"]
    for name, z in (("disentangled", codes),
                    ("rotated", codes @ random_rotation(codes.shape[1],
                                                        np.random.default_rng(11)))):
        f = metrics.betavae_features(z, plan["bv_train"])
        classes_seen, w, b = metrics.fit_logistic(f, labels)
        logits = f @ w.T + b
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        onehot = np.eye(classes_seen.size)[np.searchsorted(classes_seen, labels)]
        grad_w = w + 1.0 * (p - onehot).T @ f         # d/dW of 1/2||W||^2 + C sum log-loss
        grad_b = (p - onehot).sum(axis=0)             # intercepts are not penalised
        g = max(np.abs(grad_w).max(), np.abs(grad_b).max())
        check(g < 1e-6 * max(1.0, np.abs(w).max()),
              "logistic regression, %s code: gradient of 1/2||W||^2 + C sum log-loss is ~0 "
              "(max %.1e, max |W| %.1f)" % (name, g, np.abs(w).max()))

    # MIG and SAP against direct formulas on a small problem.
    rng = np.random.default_rng(5)
    z = rng.standard_normal((300, 4))
    z[:, 1] += np.repeat(np.arange(3), 100)
    v = np.stack([np.repeat(np.arange(3), 100), rng.integers(0, 4, 300)], axis=1)
    res = metrics.mig(z, v)
    info = np.zeros((4, 2))
    for j in range(4):
        lo, hi = z[:, j].min(), z[:, j].max()
        # bin = 1 + number of interior edges lo + i (hi - lo) / 20 (i = 1..19) that are <= z
        b = 1 + np.sum(z[:, j, None] >= lo + np.arange(1, 20) * ((hi - lo) / 20), axis=1)
        for k in range(2):
            joint = np.zeros((21, 4))
            np.add.at(joint, (b, v[:, k]), 1.0)
            joint /= joint.sum()
            outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
            nzj = joint > 0
            info[j, k] = np.sum(joint[nzj] * np.log(joint[nzj] / outer[nzj]))
    h = [-np.sum(q * np.log(q)) for q in (np.bincount(v[:, k]) / 300 for k in range(2))]
    top = np.sort(info, axis=0)[::-1]
    direct = (top[0] - top[1]) / h
    check(np.allclose(res["per_factor"], direct, rtol=0, atol=1e-12),
          "MIG equals a direct count (diff %.1e)" % np.abs(np.array(res["per_factor"]) - direct).max())
    r2 = np.array([[pearsonr(z[:, j], v[:, k])[0] ** 2 for k in range(2)] for j in range(4)])
    top = np.sort(r2, axis=0)[::-1]
    direct = top[0] - top[1]
    check(np.allclose(metrics.sap(z, v)["per_factor"], direct, rtol=0, atol=1e-12),
          "SAP equals squared Pearson correlations")


def check_cli(plan):
    print("(e) command line tool")
    script = os.path.join(HERE, "metrics_reference.py")
    with tempfile.TemporaryDirectory() as tmp:
        plan_path, out_path = os.path.join(tmp, "plan.npz"), os.path.join(tmp, "out.json")
        rng = np.random.default_rng(9)
        full = dict(plan, codes_b=plan["codes"][:, rng.permutation(plan["codes"].shape[1])])
        np.savez(plan_path, **full)
        t0 = time.perf_counter()
        run = subprocess.run([sys.executable, script, plan_path, out_path],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        check(run.returncode == 0, "full-size plan with codes_b: exit 0 in %.1f s %s"
              % (seconds, run.stderr.strip()))
        if run.returncode == 0:
            with open(out_path) as f:
                got = json.load(f)
            want = json.loads(json.dumps(metrics.evaluate_plan(full)))
            check(sorted(got) == ["betavae", "dci", "factorvae", "kept_factors", "matching",
                                  "mig", "sap"], "output keys")
            same = (np.allclose(got["mig"]["per_factor"], want["mig"]["per_factor"], atol=1e-12)
                    and np.allclose(got["dci"]["importance"], want["dci"]["importance"],
                                    atol=1e-9)
                    and got["factorvae"] == want["factorvae"]
                    and got["betavae"] == want["betavae"]
                    and got["matching"]["cols"] == want["matching"]["cols"])
            check(same, "output equals the in-process results")

        def rejects(name, bad):
            np.savez(plan_path, **bad)
            run = subprocess.run([sys.executable, script, plan_path, out_path],
                                 capture_output=True, text=True)
            check(run.returncode == 1 and run.stderr.strip() != "",
                  "rejects %s: %s" % (name, run.stderr.strip()))

        run = subprocess.run([sys.executable, script, os.path.join(tmp, "none.npz"), out_path],
                             capture_output=True, text=True)
        check(run.returncode == 1, "rejects a missing file: %s" % run.stderr.strip())
        rejects("a missing key", {k: v for k, v in plan.items() if k != "bv_eval"})
        rejects("wrong shapes", dict(plan, fv_eval=plan["fv_eval"][:, :10]))
        rejects("an out-of-range item", dict(plan, bv_train=plan["bv_train"] + N))
        shuffled = np.random.default_rng(3).permutation(plan["fv_train"].ravel())
        rejects("a vote mixing classes", dict(plan, fv_train=shuffled.reshape(T, L)))


def main():
    t0 = time.perf_counter()
    rng = np.random.default_rng(2024)
    plan = check_scores(rng)
    check_matching(rng, plan["codes"])
    check_objectives(plan)
    check_cli(plan)
    print("total %.1f s" % (time.perf_counter() - t0))
    if failures:
        print("%d check(s) failed:" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
