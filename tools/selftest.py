#!/usr/bin/env python3
"""Quick consistency checks of the Python tools against the files in the repository:

* the dSprites generator reproduces tests/data/models/dsprites_gen_ref_images.npy and its
  single-image and batch paths agree;
* every fixture in tests/data/models/broken/ validates as expected.json says;
* every bundled model in resources/models/ validates and reproduces its reference decode,
  posterior means and KL within 1e-5;
* the contract 2 fixtures validate and reproduce their references through the contract's
  input and output mapping.

Run from the repository root:  /usr/bin/python3 tools/selftest.py   (exit status 1 on failure)
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, contract, data  # noqa: E402

TOL = 1e-5


def main():
    torch.set_num_threads(1)
    failures = []
    ref_dir = common.TEST_MODELS_DIR

    idx = np.load(os.path.join(ref_dir, "dsprites_gen_ref_indices.npy"))
    imgs = np.load(os.path.join(ref_dir, "dsprites_gen_ref_images.npy"))
    if not np.array_equal(data.dsprites_batch(idx), imgs):
        failures.append("dSprites generator differs from dsprites_gen_ref_images.npy")
    for k in idx[:8]:
        if not np.array_equal(data.dsprites_image(*data.dsprites_unflatten(int(k))),
                              data.dsprites_batch([k])[0]):
            failures.append("dSprites single/batch mismatch at %d" % k)
    print("dSprites generator: %d reference images checked" % len(idx))

    with open(os.path.join(ref_dir, "broken", "expected.json")) as f:
        expected = json.load(f)
    for fname, exp in expected.items():
        res = contract.validate(os.path.join(ref_dir, "broken", fname), verbose=False)
        if res["ok"] != exp["valid"] or res["errors"] != exp["validator_errors"]:
            failures.append("broken/%s: validator gave %s %s" % (fname, res["ok"], res["errors"]))
    print("fixtures: %d checked" % len(expected))

    for path in sorted(glob.glob(os.path.join(common.MODELS_DIR, "*.pt"))):
        name = os.path.splitext(os.path.basename(path))[0]
        res = contract.validate(path, verbose=False)
        if not res["ok"]:
            failures.append("%s: invalid %s" % (name, res["errors"]))
            continue
        ref_json = os.path.join(ref_dir, name + "_ref.json")
        if not os.path.exists(ref_json):
            failures.append("%s: no reference files" % name)
            continue
        m = torch.jit.load(path)
        m.eval()
        L = len(json.loads(m.strata_meta)["layers"])

        def ref(what):
            return torch.from_numpy(np.load(os.path.join(ref_dir, "%s_ref_%s.npy" % (name, what))))
        with torch.no_grad():
            z = m.prior_sample([], [ref("eps%d" % l) for l in range(L)], [1.0] * L)
            diffs = {"z%d" % l: float((z[l] - ref("z%d" % l)).abs().max()) for l in range(L)}
            diffs["decode"] = float((m.decode(z) - ref("decode")).abs().max())
            post = m.posterior(ref("x"), False)
            for l in range(L):
                diffs["qmean%d" % l] = float((post["q_mean"][l] - ref("qmean%d" % l)).abs().max())
        bad = {k: v for k, v in diffs.items() if not v <= TOL}
        if bad:
            failures.append("%s: differs from references %s" % (name, bad))
        print("%s: valid, max reference difference %.2g" % (name, max(diffs.values())))

    # Contract 2 fixtures: valid, and their references follow from the contract's mapping.
    for name in ("v2_norm_logits", "v2_norm_mean"):
        path = os.path.join(ref_dir, name + ".pt")
        res = contract.validate(path, verbose=False)
        if not res["ok"]:
            failures.append("%s: invalid %s" % (name, res["errors"]))
            continue
        m = torch.jit.load(path).eval()
        meta = json.loads(m.strata_meta)

        def ref2(what):
            return torch.from_numpy(np.load(os.path.join(ref_dir, "%s_ref_%s.npy" % (name, what))))
        with torch.no_grad():
            z = m.prior_sample([], [ref2("eps0"), ref2("eps1")], [1.0, 1.0])
            diff = float((contract.to_data_units(m.decode(z), meta) - ref2("decode")).abs().max())
            post = m.posterior(contract.to_model_inputs(ref2("x"), meta), False)
            diff = max(diff, float((post["q_mean"][0] - ref2("qmean0")).abs().max()))
        if not diff <= TOL:
            failures.append("%s: differs from references by %g" % (name, diff))
        print("%s: valid, max reference difference %.2g" % (name, diff))

    for f in failures:
        print("FAIL", f)
    print("selftest: %s" % ("OK" if not failures else "%d failure(s)" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
