#!/usr/bin/env python3
"""tools/encode_distributed.py on Dask clusters of two worker processes on loopback, with the
bundled fashion_vae.pt (flat) and fashion_lvae.pt (three layers, one of them spatial), on
Fashion-MNIST test images written here as .npz (with labels) and .npy:

  A  --local-workers 2, the driver ships the partitions, PCA to 2-D beside the latents
  B  --scheduler of a cluster started here, --shared-storage (workers read and write)
  C  the same scheduler, one layer (--layer z_mid), --force over B's folder

Each shard folder is checked against the format (manifest fields, shard sizes, dtypes, labels,
no temporary files left) and its vectors against an encoding of the same items computed here
in PyTorch (Strata's input mapping, posterior means in batches of 500 from item 0, layers
flattened and concatenated top first) and, when the strata executable given has the `encode`
subcommand, against `strata encode` itself. Tolerance: |shard - reference| <= 1e-5 (1 + |reference|)
for every value (kernels differ in the last bits with the batch an item is encoded in). The
refusals are checked too: a non-empty output folder, a missing model, an unreachable scheduler.

    /usr/bin/python3 tests/tools/test_encode_distributed.py [STRATA_EXECUTABLE]

Exit status 77 (ctest: skipped) without Dask (Debian's python3-distributed) or Fashion-MNIST.
"""
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(ROOT, "tools", "encode_distributed.py")
MODELS = os.path.join(ROOT, "resources", "models")
TEST_MODELS = os.path.join(ROOT, "tests", "data", "models")
sys.path.insert(0, os.path.join(ROOT, "tools"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import data  # noqa: E402

TOL = 1e-5
SKIP = 77


def skip(why):
    print("skipped: " + why)
    sys.exit(SKIP)


def run_tool(*args, expect=0):
    t0 = time.time()
    out = subprocess.run([sys.executable, TOOL] + [str(a) for a in args], capture_output=True, text=True,
                         timeout=240)
    took = time.time() - t0
    assert out.returncode == expect, "exit %d, expected %d\nstdout: %s\nstderr: %s" % (
        out.returncode, expect, out.stdout, out.stderr)
    return out, took


def reference(model_file, images_u8, layer=None, batch=500):
    """Strata's encoding, written out: uint8 v -> v * (1.0f / 255.0f) (the bundled models take
    [0, 1], so no further mapping), posterior(x, False)["q_mean"] in batches of `batch` from
    item 0, each layer flattened (C order), top first."""
    m = torch.jit.load(model_file)
    m.eval()
    meta = json.loads(m.strata_meta)
    assert meta["input"]["range"] == [0.0, 1.0] and "normalize" not in meta["input"]
    names = [l["name"] for l in meta["layers"]]
    chosen = range(len(names)) if layer is None else [names.index(layer)]
    x = images_u8.reshape(len(images_u8), 1, 28, 28).astype(np.float32) * (np.float32(1) / np.float32(255))
    out = []
    with torch.no_grad():
        for a in range(0, len(x), batch):
            q = m.posterior(torch.from_numpy(x[a:a + batch]), False)["q_mean"]
            out.append(torch.cat([q[l].flatten(1) for l in chosen], 1).numpy())
    return np.concatenate(out)


def close(got, ref, what):
    assert got.shape == ref.shape, "%s: shape %s, expected %s" % (what, got.shape, ref.shape)
    excess = np.abs(got.astype(np.float64) - ref) - TOL * (1 + np.abs(ref))
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess.max() <= 0, "%s: item %d column %d is %r, expected %r" % (
        what, worst[0], worst[1], got[worst], ref[worst])
    return float(np.abs(got - ref).max())


def read_folder(folder, kind, dims, items, sizes, model, spec, layer, labels):
    """Checks a shard folder against the format; returns (manifest, vectors [N, D])."""
    names = sorted(os.listdir(folder))
    assert not [n for n in names if n.startswith(".")], "temporary files left: %s" % names
    with open(os.path.join(folder, "manifest.json")) as f:
        m = json.load(f)
    for key, value in (("format", "strata-shards"), ("version", 1), ("kind", kind), ("dims", dims),
                       ("items", items), ("model", model), ("data", spec), ("layer", layer)):
        assert m.get(key) == value, "%s: %s is %r, expected %r" % (folder, key, m.get(key), value)
    assert [s["items"] for s in m["shards"]] == sizes, m["shards"]
    vecs = []
    for k, s in enumerate(m["shards"]):
        assert s["vectors"] == "part-%05d.npy" % k, s
        v = np.load(os.path.join(folder, s["vectors"]))
        assert v.dtype == np.dtype("<f4") and v.flags.c_contiguous and v.shape == (s["items"], dims), \
            (s["vectors"], v.dtype, v.shape)
        vecs.append(v)
        if labels is None:
            assert "labels" not in s, s
        else:
            assert s["labels"] == "labels-%05d.npy" % k, s
            lab = np.load(os.path.join(folder, s["labels"]))
            first = sum(sizes[:k])
            assert lab.dtype == np.dtype("<i8") and np.array_equal(lab, labels[first:first + s["items"]]), s
    listed = {s[key] for s in m["shards"] for key in ("vectors", "labels") if key in s}
    files = {n for n in names if n.endswith(".npy")}
    assert files == listed, "files not in the manifest: %s" % sorted(files - listed)
    return m, np.concatenate(vecs)


def strata_has_encode(strata):
    if not strata:
        return False
    out = subprocess.run([strata, "--help"], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    return re.search(r"^\s+encode\b", out.stdout, re.M) is not None


def strata_encode(strata, model, spec, folder, layer=None):
    out_file = os.path.join(folder, "strata-%d.npy" % len(os.listdir(folder)))
    cmd = [strata, "encode", model, "--data", spec, "--output", out_file]
    if layer:
        cmd += ["--source", layer]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.returncode == 0, out.stdout + out.stderr
    return np.load(out_file)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    strata = sys.argv[1] if len(sys.argv) > 1 else None
    if importlib.util.find_spec("distributed") is None:
        skip("Dask's distributed is not installed (Debian: python3-distributed)")
    try:
        images, labels = data.load_fashion("test")
    except OSError as e:
        skip("Fashion-MNIST is not available (%s)" % e)
    torch.set_num_threads(1)
    vae, lvae = os.path.join(MODELS, "fashion_vae.pt"), os.path.join(MODELS, "fashion_lvae.pt")
    with_strata = strata_has_encode(strata)
    diff_s = None

    def vs_strata(d):
        return "" if d is None else " (%.2g from strata encode)" % d

    if not with_strata:
        print("note: %s; compared with the PyTorch reference only"
              % ("strata has no encode subcommand yet" if strata else "no strata executable given"))
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        # A: .npz with labels, channels last, 1000 items; PCA beside the latents
        npz = os.path.join(tmp, "fashion1000.npz")
        np.savez(npz, images=images[:1000, :, :, None], labels=labels[:1000])
        out_a = os.path.join(tmp, "a")
        res, took = run_tool("--local-workers", 2, "--model", vae, "--data", npz, "--output", out_a,
                             "--items-per-shard", 400, "--batch", 128, "--pca", 2, "--fit-sample", 600)
        assert "the model was loaded once by each of the 2 workers that encoded\n" in res.stderr, res.stderr
        lab = labels[:1000].astype(np.int64)
        _, got = read_folder(out_a, "latents", 16, 1000, [400, 400, 200], "fashion_vae.pt", npz, "all-layers", lab)
        ref = reference(vae, images[:1000])
        diff = close(got, ref, "A latents")
        if with_strata:
            diff_s = close(got, strata_encode(strata, vae, npz, tmp).astype(np.float64), "A latents vs strata encode")
        m, coords = read_folder(os.path.join(out_a, "coordinates"), "coordinates", 2, 1000, [400, 400, 200],
                                "fashion_vae.pt", npz, "all-layers", lab)
        pca = m["pca"]
        assert pca["components"] == 2 and pca["fit_sample"] == 600 and pca["seed"] == 0, pca
        sample = np.sort(np.random.default_rng(0).choice(1000, 600, replace=False))
        assert np.allclose(pca["mean"], ref[sample].mean(0), atol=1e-5), "PCA mean is not the sample's"
        axes = np.asarray(pca["axes"])
        assert np.allclose(axes @ axes.T, np.eye(2), atol=1e-9), "PCA axes are not orthonormal"
        close(coords, (ref - np.asarray(pca["mean"])) @ axes.T, "A coordinates")
        print("A: local cluster, shipped partitions, 1000 items in 3 shards with labels, PCA: %.1f s, "
              "max abs diff %.2g%s" % (took, diff, vs_strata(diff_s)))

        # the refusals, before any cluster is started
        res, _ = run_tool("--local-workers", 2, "--model", vae, "--data", npz, "--output", out_a, expect=1)
        assert "--output" in res.stderr and "not empty" in res.stderr and "--force" in res.stderr, res.stderr
        missing = os.path.join(tmp, "no_such_model.pt")
        res, _ = run_tool("--local-workers", 2, "--model", missing, "--data", npz,
                          "--output", os.path.join(tmp, "x"), expect=1)
        assert "--model %s: file not found" % missing in res.stderr, res.stderr
        assert not os.path.exists(os.path.join(tmp, "x")), "a refused run created its output folder"
        bad = "tcp://127.0.0.1:%d" % free_port()
        res, _ = run_tool("--scheduler", bad, "--timeout", 2, "--model", vae, "--data", npz,
                          "--output", os.path.join(tmp, "y"), expect=1)
        assert not os.path.exists(os.path.join(tmp, "y")), "a run that never started left its output folder"
        assert "--scheduler %s: cannot reach the Dask scheduler within 2 s" % bad in res.stderr, res.stderr
        print("refusals: non-empty output folder, missing model, unreachable scheduler")

        # B and C: one cluster of two worker processes started here, reached by address
        from distributed import LocalCluster
        npy = os.path.join(tmp, "fashion1200.npy")
        np.save(npy, images[1000:2200])
        ref = reference(lvae, images[1000:2200])
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                          silence_logs=40) as cluster:
            out_b = os.path.join(tmp, "b")
            res, took = run_tool("--scheduler", cluster.scheduler_address, "--model", lvae, "--data", npy,
                                 "--output", out_b, "--items-per-shard", 500, "--shared-storage")
            assert "the model was loaded once by each of the 2 workers that encoded\n" in res.stderr, res.stderr
            _, got = read_folder(out_b, "latents", 220, 1200, [500, 500, 200], "fashion_lvae.pt", npy,
                                 "all-layers", None)
            diff = close(got, ref, "B latents")
            if with_strata:
                diff_s = close(got, strata_encode(strata, lvae, npy, tmp).astype(np.float64), "B latents vs strata encode")
            print("B: scheduler address, shared storage, 1200 items, 3 layers: %.1f s, max abs diff %.2g%s"
                  % (took, diff, vs_strata(diff_s)))
            res, took = run_tool("--scheduler", cluster.scheduler_address, "--model", lvae, "--data", npy,
                                 "--output", out_b, "--force", "--layer", "z_mid")
            _, got = read_folder(out_b, "latents", 16, 1200, [1200], "fashion_lvae.pt", npy, "z_mid", None)
            diff = close(got, ref[:, 8:24], "C latents")
            if with_strata:
                diff_s = close(got, strata_encode(strata, lvae, npy, tmp, "z_mid").astype(np.float64), "C vs strata encode")
            print("C: one layer, --force over B: %.1f s, max abs diff %.2g%s" % (took, diff, vs_strata(diff_s)))

            # D: inputs mapped as Strata maps them (a [-1, 1] range; contract 2 normalisation),
            # against the PyTorch references of tests/data/models (tools/make_reference.py and
            # tools/make_contract_v2_models.py)
            for name, extra in (("fashion_range_lvae", []), ("v2_norm_mean", ["--shared-storage"])):
                x = np.load(os.path.join(TEST_MODELS, name + "_ref_x.npy"))          # [B, C, H, W] in [0, 1]
                spec = os.path.join(tmp, name + "_x.npy")
                np.save(spec, x)
                folder = os.path.join(tmp, name)
                run_tool("--scheduler", cluster.scheduler_address, "--model", os.path.join(TEST_MODELS, name + ".pt"),
                         "--data", spec, "--output", folder, *extra)
                layers = torch.jit.load(os.path.join(TEST_MODELS, name + ".pt")).strata_meta
                want = np.concatenate([np.load(os.path.join(TEST_MODELS, "%s_ref_qmean%d.npy" % (name, l)))
                                       .reshape(len(x), -1) for l in range(len(json.loads(layers)["layers"]))], 1)
                _, got = read_folder(folder, "latents", want.shape[1], len(x), [len(x)], name + ".pt", spec,
                                     "all-layers", None)
                close(got, want.astype(np.float64), name)
            print("D: a [-1, 1] model and a contract 2 normalising model match their PyTorch references")
    print("encode_distributed: all checks passed in %.1f s%s"
          % (time.time() - t_start, " (with strata encode)" if with_strata else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
