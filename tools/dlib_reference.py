#!/usr/bin/env python3
"""Reference scores in disentanglement_lib's convention for a metrics plan.

    /usr/bin/python3 tools/dlib_reference.py PLAN.npz OUT.json

Reads a plan written by `strata metrics --plan` (or the tests): codes, factors, n_train and
the FactorVAE votes drawn in that convention (dlib_fv_train, dlib_fv_train_factor,
dlib_fv_eval, dlib_fv_eval_factor), recomputes MIG, SAP, DCI and the FactorVAE score with
strata_tools.dlib_scores (NumPy, scikit-learn) and writes them as JSON with the keys
"kept_factors", "mig", "sap", "dci", "factorvae". A bad plan or an unreadable file: message
on stderr, exit status 1.
"""
import argparse
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from strata_tools import dlib_scores  # noqa: E402

VOTE_KEYS = ("fv_train", "fv_train_factor", "fv_eval", "fv_eval_factor")


def load_plan(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    missing = [key for key in ("codes", "factors", "n_train") + tuple("dlib_" + k for k in VOTE_KEYS)
               if key not in arrays]
    if missing:
        raise ValueError("plan has no %s (written by a Strata without disentanglement_lib scores?)"
                         % ", ".join(missing))
    plan = {"codes": arrays["codes"], "factors": arrays["factors"], "n_train": arrays["n_train"]}
    for key in VOTE_KEYS:
        plan[key] = arrays["dlib_" + key]
    return plan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", help="plan file (.npz)")
    parser.add_argument("out", help="output file (.json)")
    args = parser.parse_args(argv)
    try:
        result = dlib_scores.evaluate_plan(load_plan(args.plan))
        text = json.dumps(result, indent=1, allow_nan=False)
        with open(args.out, "w") as f:
            f.write(text + "\n")
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as e:
        print("dlib_reference: %s: %s" % (args.plan, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
