#!/usr/bin/env python3
"""Write reference inputs/outputs of the bundled models for the C++ tests.

For each bundled model resources/models/<name>.pt (loaded as TorchScript, exactly as
Strata loads it) this writes to tests/data/models/ (float32, little-endian, C order,
numpy.save):

  <name>_ref_eps<l>.npy    standard-normal noise per layer, [4,*shape] (seed 0)
  <name>_ref_z<l>.npy      prior_sample([], eps, [1.0]*L) per layer, [4,*shape]
  <name>_ref_decode.npy    decode(z), [4,C,H,W]
  <name>_ref_x.npy         8 fixed held-out images, [8,C,H,W]
  <name>_ref_qmean<l>.npy  posterior(x, sample=False)["q_mean"][l], [8,*shape]
  <name>_ref_kl.npy        per-unit analytic KL(q || p) from posterior(x, sample=False),
                           averaged over the 8 images, each layer flattened (C order)
                           and concatenated top first, [sum of layer sizes]
  <name>_ref_logpx.npy     log_px(x, q_mean), [8]
  <name>_ref.json          what the files are, shapes and the tolerance

and, for the dSprites generator port, dsprites_gen_ref_indices.npy (int64 flat indices)
and dsprites_gen_ref_images.npy (uint8 [N,64,64], values 0/1).

Images: fashion_* use the first 8 images of the Fashion-MNIST t10k split;
dsprites_* use the dSprites generator at 8 fixed flat indices (see DSPRITES_REF_INDICES).

Test models with another input range (RANGE_MODELS, tests/data/models/<name>.pt) get the
same files, with x in the dataset's units [0, 1] and everything else computed on x mapped
into the model's range, plus <name>_ref_recon.npy (decode of the posterior means); their
JSON adds ELBO, IW bound and latent statistics on 500 test items, and the numbers that
unmapped [0, 1] inputs give (see make_ranged).

Run from the repository root:  /usr/bin/python3 tools/make_reference.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, data, evaluate  # noqa: E402

MODELS = ["fashion_lvae", "fashion_vae", "dsprites_tcvae", "fashion_vdvae", "fashion_m2",
          "fashion_cvae"]
DSPRITES_REF_INDICES = [0, 1234, 98765, 200000, 333333, 456789, 600000, 737279]
TOLERANCE = 1e-5


def save(path, arr):
    arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
    np.save(path, arr)


def ref_images(name):
    if name.startswith("fashion"):
        x, _ = data.fashion_float("test")
        return x[:8], "Fashion-MNIST t10k images 0..7 (grey value / 255)"
    imgs = data.dsprites_batch(DSPRITES_REF_INDICES).astype(np.float32)[:, None]
    return imgs, "dSprites generator, flat indices %s" % DSPRITES_REF_INDICES


@torch.no_grad()
def make(name, out_dir):
    path = os.path.join(common.MODELS_DIR, name + ".pt")
    if not os.path.exists(path):
        print("skip %s: %s not found" % (name, common.rel(path)))
        return False
    m = torch.jit.load(path)
    m.eval()
    meta = json.loads(m.strata_meta)
    shapes = [l["shape"] for l in meta["layers"]]
    L = len(shapes)
    gen = torch.Generator().manual_seed(0)
    eps = [torch.randn([4] + s, generator=gen) for s in shapes]
    # A conditional model gets y where Strata gives it by default (docs/model-contract.md):
    # the first class when sampling and decoding, q(y|x)'s class when encoding.
    k = len(meta["condition"]["classes"]) if meta.get("condition") else 0
    y_gen = [torch.nn.functional.one_hot(torch.zeros(4, dtype=torch.long), k).float()] if k else []
    z = m.prior_sample([], eps, [1.0] * L, *y_gen)
    dec = m.decode(z, *y_gen)
    files = {}
    for l in range(L):
        save(os.path.join(out_dir, "%s_ref_eps%d.npy" % (name, l)), eps[l].numpy())
        save(os.path.join(out_dir, "%s_ref_z%d.npy" % (name, l)), z[l].numpy())
        files["eps%d" % l] = [4] + shapes[l]
        files["z%d" % l] = [4] + shapes[l]
    save(os.path.join(out_dir, "%s_ref_decode.npy" % name), dec.numpy())
    files["decode"] = list(dec.shape)

    x_np, x_desc = ref_images(name)
    x = torch.from_numpy(np.ascontiguousarray(x_np))
    save(os.path.join(out_dir, "%s_ref_x.npy" % name), x.numpy())
    files["x"] = list(x.shape)
    y_post = ([torch.nn.functional.one_hot(m.classify(x).argmax(1), k).float()]
              if k and meta["condition"].get("classifier") else
              [torch.full((x.shape[0], k), 1.0 / k)] if k else [])
    post = m.posterior(x, False, *y_post)
    kls = []
    for l in range(L):
        qm, qlv = post["q_mean"][l], post["q_logvar"][l]
        pm, plv = post["p_mean"][l], post["p_logvar"][l]
        save(os.path.join(out_dir, "%s_ref_qmean%d.npy" % (name, l)), qm.numpy())
        files["qmean%d" % l] = list(qm.shape)
        kl = 0.5 * (plv - qlv + (torch.exp(qlv) + (qm - pm) ** 2) * torch.exp(-plv) - 1.0)
        kls.append(kl.flatten(1).mean(0))
    kl_all = torch.cat(kls)
    save(os.path.join(out_dir, "%s_ref_kl.npy" % name), kl_all.numpy())
    files["kl"] = list(kl_all.shape)
    lp = m.log_px(x, post["z"], *y_post)
    save(os.path.join(out_dir, "%s_ref_logpx.npy" % name), lp.numpy())
    files["logpx"] = list(lp.shape)

    desc = {
        "model": "resources/models/%s.pt" % name,
        "layers": meta["layers"],
        "files": {"%s_ref_%s.npy" % (name, k): v for k, v in files.items()},
        "eps": "torch.Generator().manual_seed(0); torch.randn([4]+shape) per layer, top first",
        "z": "prior_sample([], eps, [1.0]*L)",
        "decode": "decode(z)",
        "x": x_desc,
        "qmean": "posterior(x, sample=False)['q_mean'][l]",
        "kl": "mean over the 8 images of 0.5*(p_logvar - q_logvar + (exp(q_logvar) + (q_mean - p_mean)^2)"
              " * exp(-p_logvar) - 1) from posterior(x, sample=False); layers flattened and concatenated",
        "logpx": "log_px(x, posterior(x, sample=False)['z'])",
        "condition": ("y one-hot of the first class for prior_sample and decode; for posterior "
                      "and log_px " + ("one-hot of argmax classify(x)"
                                       if meta["condition"].get("classifier")
                                       else "uniform class probabilities")) if k else "none",
        "tolerance_abs": TOLERANCE,
        "format": "numpy .npy, float32 little-endian, C order",
        "torch_version": torch.__version__,
    }
    with open(os.path.join(out_dir, "%s_ref.json" % name), "w") as f:
        json.dump(desc, f, indent=2)
        f.write("\n")
    print("%s: wrote %d files; decode range [%.4f, %.4f], kl sum %.3f, logpx mean %.2f"
          % (name, len(files), float(dec.min()), float(dec.max()), float(kl_all.sum()), float(lp.mean())))
    return True


def make_generator_reference(out_dir):
    """dSprites generator parity fixture: 48 flat indices (every shape, scale and a spread
    of orientations/positions, seeded) and their images."""
    rng = np.random.RandomState(7)
    idx = [0, data.DSPRITES_COUNT - 1]
    for shape in range(3):
        for scale in range(6):
            for _ in range(2):
                idx.append(data.dsprites_flat_index(shape, scale, rng.randint(40),
                                                    rng.randint(32), rng.randint(32)))
    idx += [data.dsprites_flat_index(2, 5, o, 16, 16) for o in (0, 10, 20, 39)]
    idx += [data.dsprites_flat_index(0, 5, 5, 0, 31), data.dsprites_flat_index(1, 0, 13, 31, 0),
            data.dsprites_flat_index(1, 5, 39, 31, 31), data.dsprites_flat_index(0, 3, 20, 7, 9)]
    idx = np.array(idx, dtype="<i8")
    imgs = data.dsprites_batch(idx)
    for i, k in enumerate(idx):       # the single-image and batch paths must agree
        assert np.array_equal(imgs[i], data.dsprites_image(*data.dsprites_unflatten(int(k))))
    np.save(os.path.join(out_dir, "dsprites_gen_ref_indices.npy"), idx)
    np.save(os.path.join(out_dir, "dsprites_gen_ref_images.npy"), np.ascontiguousarray(imgs, dtype=np.uint8))
    print("dsprites generator: wrote %d reference images (uint8 [N,64,64]) and their int64 flat "
          "indices" % len(idx))


# --------------------------------------------------------------------------
# Test models whose declared input range is not [0, 1]
# --------------------------------------------------------------------------
# tests/data/models/<name>.pt, trained on data in their own range (tools/train_<name>.py).
# Strata's Model API takes the dataset's [0, 1] pixels and maps them to the declared range
# [lo, hi] as lo + (hi - lo) * x; decoded images come back as (y - lo) / (hi - lo). The
# references are PyTorch on correctly mapped inputs, in the model's own units, and beside
# them what unmapped [0, 1] inputs give: numbers a correct Strata must be far from.
RANGE_MODELS = ["fashion_range_lvae"]
RANGE_ELBO_ITEMS = 500  # first t10k items, one batch, as evaluateElbo's default batch
RANGE_ELBO_SEED = 0     # torch.manual_seed(seed) before posterior(x, True): Strata's SampleStream
RANGE_IW_ITEMS = 100    # the metrics table's IW bound: first items of the subset, seed + 1
RANGE_IW_K = 10


def _unit_kl(post):
    """Per layer, [B, units] analytic KL(q || p) from a posterior dict."""
    return [(0.5 * (plv - qlv + (torch.exp(qlv) + (qm - pm) ** 2) * torch.exp(-plv) - 1.0)).flatten(1)
            for qm, qlv, pm, plv in zip(post["q_mean"], post["q_logvar"], post["p_mean"], post["p_logvar"])]


def _bounds(m, x_model, seed):
    """ELBO statistics as Strata's evaluateElbo reports them (standard error with n - 1)."""
    st = evaluate.elbo_stats(m, x_model, batch=RANGE_ELBO_ITEMS, seed=seed)
    n = len(st["elbo"])
    return {"elbo": float(st["elbo"].mean()),
            "elbo_std_error": float(st["elbo"].std(ddof=1) / np.sqrt(n)),
            "log_px": float(st["log_px"].mean()),
            "kl_per_layer": [float(v) for v in st["kl_layers"].mean(0)]}


def _latent_stats(m, x_model):
    """Strata's computeLatentStats on the posterior-means path: per unit mean KL, mean and
    population variance of E_q[z], min, max, 1% and 99% quantiles (sorted[round(q (n-1))]);
    per layer active (variance > 0.01) and collapsed (KL < 0.01 nats) units."""
    post = m.posterior(x_model, False)
    kls = _unit_kl(post)
    n = x_model.shape[0]
    layers = []
    for l, kl in enumerate(kls):
        means = post["q_mean"][l].flatten(1).double().numpy()
        kl_u = kl.double().mean(0).numpy()
        var = means.var(0)
        srt = np.sort(means, 0)
        layers.append({"unit_kl": kl_u.tolist(), "mean_of_means": means.mean(0).tolist(),
                       "mean_variance": var.tolist(),
                       "min": srt[0].tolist(), "max": srt[-1].tolist(),
                       "q01": srt[int(round(0.01 * (n - 1)))].tolist(),
                       "q99": srt[int(round(0.99 * (n - 1)))].tolist(),
                       "kl": float(kl_u.sum()),
                       "active_units": int((var > 0.01).sum()),
                       "collapsed_units": int((kl_u < 0.01).sum()),
                       "closest_to_thresholds": {
                           "variance_minus_0.01": float(np.abs(var - 0.01).min()),
                           "kl_minus_0.01": float(np.abs(kl_u - 0.01).min())}})
    return layers


@torch.no_grad()
def make_ranged(name, out_dir):
    path = os.path.join(common.TEST_MODELS_DIR, name + ".pt")
    if not os.path.exists(path):
        print("skip %s: %s not found (run tools/train_%s.py)" % (name, common.rel(path), name))
        return False
    m = torch.jit.load(path)
    m.eval()
    meta = json.loads(m.strata_meta)
    lo, hi = (float(v) for v in meta["input"]["range"])

    def to_model(x01):
        return lo + (hi - lo) * x01

    shapes = [l["shape"] for l in meta["layers"]]
    L = len(shapes)
    gen = torch.Generator().manual_seed(0)
    eps = [torch.randn([4] + s, generator=gen) for s in shapes]
    z = m.prior_sample([], eps, [1.0] * L)
    dec = m.decode(z)
    files = {}
    for l in range(L):
        save(os.path.join(out_dir, "%s_ref_eps%d.npy" % (name, l)), eps[l].numpy())
        save(os.path.join(out_dir, "%s_ref_z%d.npy" % (name, l)), z[l].numpy())
        files["eps%d" % l] = [4] + shapes[l]
        files["z%d" % l] = [4] + shapes[l]
    save(os.path.join(out_dir, "%s_ref_decode.npy" % name), dec.numpy())
    files["decode"] = list(dec.shape)

    x_all, _ = data.fashion_float("test")
    x01 = torch.from_numpy(np.ascontiguousarray(x_all[:8]))
    save(os.path.join(out_dir, "%s_ref_x.npy" % name), x01.numpy())
    files["x"] = list(x01.shape)
    x = to_model(x01)
    post = m.posterior(x, False)
    for l in range(L):
        save(os.path.join(out_dir, "%s_ref_qmean%d.npy" % (name, l)), post["q_mean"][l].numpy())
        files["qmean%d" % l] = list(post["q_mean"][l].shape)
    kl_all = torch.cat([k.mean(0) for k in _unit_kl(post)])
    save(os.path.join(out_dir, "%s_ref_kl.npy" % name), kl_all.numpy())
    files["kl"] = list(kl_all.shape)
    lp = m.log_px(x, post["z"])
    save(os.path.join(out_dir, "%s_ref_logpx.npy" % name), lp.numpy())
    files["logpx"] = list(lp.shape)
    recon = m.decode(post["z"])
    save(os.path.join(out_dir, "%s_ref_recon.npy" % name), recon.numpy())
    files["recon"] = list(recon.shape)

    # The same inputs unmapped, as a Strata that ignored the range would feed them.
    post_w = m.posterior(x01, False)
    kl_w = torch.cat([k.mean(0) for k in _unit_kl(post_w)])
    lp_w = m.log_px(x01, post_w["z"])
    recon_w = m.decode(post_w["z"])

    x500 = torch.from_numpy(np.ascontiguousarray(x_all[:RANGE_ELBO_ITEMS]))
    right = _bounds(m, to_model(x500), RANGE_ELBO_SEED)
    wrong = _bounds(m, x500, RANGE_ELBO_SEED)
    right["iw_bound"] = float(evaluate.iw_bound(m, to_model(x500[:RANGE_IW_ITEMS]), k=RANGE_IW_K,
                                                seed=RANGE_ELBO_SEED + 1).mean())
    wrong["iw_bound"] = float(evaluate.iw_bound(m, x500[:RANGE_IW_ITEMS], k=RANGE_IW_K,
                                                seed=RANGE_ELBO_SEED + 1).mean())
    stats = _latent_stats(m, to_model(x500))

    desc = {
        "model": "tests/data/models/%s.pt" % name,
        "layers": meta["layers"],
        "input_range": [lo, hi],
        "likelihood": meta["input"]["likelihood"],
        "files": {"%s_ref_%s.npy" % (name, k): v for k, v in files.items()},
        "units": "x is in the dataset's units [0, 1]; every other array is in the model's own "
                 "units: computed on x_model = lo + (hi - lo) * x, decode and recon in [lo, hi] "
                 "(Strata returns (y - lo) / (hi - lo))",
        "eps": "torch.Generator().manual_seed(0); torch.randn([4]+shape) per layer, top first",
        "z": "prior_sample([], eps, [1.0]*L)",
        "decode": "decode(z)",
        "x": "Fashion-MNIST t10k images 0..7 (grey value / 255)",
        "qmean": "posterior(x_model, sample=False)['q_mean'][l]",
        "kl": "mean over the 8 images of 0.5*(p_logvar - q_logvar + (exp(q_logvar) + (q_mean - p_mean)^2)"
              " * exp(-p_logvar) - 1) from posterior(x_model, sample=False); layers flattened and concatenated",
        "logpx": "log_px(x_model, posterior(x_model, sample=False)['z'])",
        "recon": "decode(posterior(x_model, sample=False)['z'])",
        "bounds": dict(right, items="Fashion-MNIST t10k items 0..%d mapped to the model's range, one batch"
                       % (RANGE_ELBO_ITEMS - 1),
                       seed=RANGE_ELBO_SEED,
                       method="tools/strata_tools/evaluate.py elbo_stats (torch.manual_seed(seed), "
                              "posterior(x_model, True), analytic KL per layer); elbo_std_error "
                              "with n - 1; iw_bound: iw_bound(first %d items, k = %d, seed + 1), "
                              "as the metrics table computes it" % (RANGE_IW_ITEMS, RANGE_IW_K)),
        "latent_stats": {"items": "the same %d items, posterior(x_model, sample=False)" % RANGE_ELBO_ITEMS,
                         "layers": stats},
        "unmapped_inputs": {
            "what": "the same computations fed the [0, 1] pixels unmapped (the wrong range)",
            "bounds": wrong,
            "logpx": [float(v) for v in lp_w],
            "kl_sum": float(kl_w.sum()),
            "qmean_max_abs_diff": max(float((a - b).abs().max())
                                      for a, b in zip(post_w["q_mean"], post["q_mean"])),
            "recon_max_abs_diff": float((recon_w - recon).abs().max())},
        "tolerance_abs": TOLERANCE,
        "format": "numpy .npy, float32 little-endian, C order",
        "torch_version": torch.__version__,
    }
    with open(os.path.join(out_dir, "%s_ref.json" % name), "w") as f:
        json.dump(desc, f, indent=2)
        f.write("\n")
    print("%s: wrote %d files; decode range [%.4f, %.4f], logpx mean %.2f (unmapped %.1f); "
          "ELBO on %d items %.2f, KL per layer %s (unmapped ELBO %.1f)"
          % (name, len(files), float(dec.min()), float(dec.max()), float(lp.mean()), float(lp_w.mean()),
             RANGE_ELBO_ITEMS, right["elbo"], [round(v, 3) for v in right["kl_per_layer"]], wrong["elbo"]))
    return True


def main():
    torch.set_num_threads(1)
    out_dir = common.TEST_MODELS_DIR
    os.makedirs(out_dir, exist_ok=True)
    names = sys.argv[1:] or MODELS + RANGE_MODELS
    make_generator_reference(out_dir)
    ok = [make_ranged(n, out_dir) if n in RANGE_MODELS else make(n, out_dir) for n in names]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
