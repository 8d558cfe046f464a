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

Run from the repository root:  /usr/bin/python3 tools/make_reference.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, data  # noqa: E402

MODELS = ["fashion_lvae", "fashion_vae", "dsprites_tcvae"]
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

    x_np, x_desc = ref_images(name)
    x = torch.from_numpy(np.ascontiguousarray(x_np))
    save(os.path.join(out_dir, "%s_ref_x.npy" % name), x.numpy())
    files["x"] = list(x.shape)
    post = m.posterior(x, False)
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
    lp = m.log_px(x, post["z"])
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


def main():
    torch.set_num_threads(1)
    out_dir = common.TEST_MODELS_DIR
    os.makedirs(out_dir, exist_ok=True)
    names = sys.argv[1:] or MODELS
    make_generator_reference(out_dir)
    ok = [make(n, out_dir) for n in names]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
