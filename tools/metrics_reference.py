#!/usr/bin/env python3
"""Reference scores for a metrics sampling plan (docs/metrics.md, "Sampling plans").

    /usr/bin/python3 tools/metrics_reference.py PLAN.npz OUT.json

Reads the plan (codes, factors, fv_*, bv_*; optional codes_b, a second model's codes of
the same items, for unit matching), recomputes MIG, SAP, DCI, the FactorVAE and the
beta-VAE score (and the unit matching) with strata_tools.metrics and writes them as
JSON with the keys "kept_factors", "mig", "sap", "dci", "factorvae", "betavae" (and
"matching"). A bad plan or an unreadable file: message on stderr, exit status 1.
"""
import argparse
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from strata_tools import metrics  # noqa: E402


def load_plan(path):
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", help="plan file (.npz)")
    parser.add_argument("out", help="output file (.json)")
    args = parser.parse_args(argv)
    try:
        plan = load_plan(args.plan)
        result = metrics.evaluate_plan(plan)
        # allow_nan=False: a NaN would be a bug here and must not reach the comparison.
        text = json.dumps(result, indent=1, allow_nan=False)
        with open(args.out, "w") as f:
            f.write(text + "\n")
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as e:
        print("metrics_reference: %s: %s" % (args.plan, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
