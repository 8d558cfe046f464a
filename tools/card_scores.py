#!/usr/bin/python3
"""Add the disentanglement scores to a model card, computed by Strata and checked here.

Runs `strata metrics` on the model's held-out items (writing the codes, factors and draws
behind the scores), recomputes every score with the independent references from the same
draws (strata_tools/dlib_scores.py for disentanglement_lib's convention, the default rows;
strata_tools/metrics.py for Strata's variants and the beta-VAE score), and writes both
into the card's "disentanglement" section when they agree within the tolerances of
docs/metrics.md. The scikit-learn reference of the boosted-tree DCI takes minutes.

    tools/card_scores.py --strata build/release/app/strata --model resources/models/dsprites_tcvae.pt \
        --indices tests/data/models/dsprites_tcvae_eval_indices.npy
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Row key -> (reference script's result, how to read the reference value, tolerance), with
# the tolerances of docs/metrics.md. disentanglement_lib's convention is the default; Strata's
# earlier definitions are the named variants.
def _dlib(name, field="score"):
    return lambda ref: ref["dlib"][name][field]


def _strata(name, field="score"):
    return lambda ref: ref["strata"][name][field]


CHECKS = {
    "mig": (_dlib("mig"), 1e-9),
    "sap": (_dlib("sap"), None),  # two test items: set from the split below
    "dci/disentanglement": (_dlib("dci", "disentanglement"), 0.005),
    "dci/completeness": (_dlib("dci", "completeness"), 0.005),
    "dci/informativeness": (_dlib("dci", "informativeness_test"), 0.01),
    "factorvae": (_dlib("factorvae"), 0.0),
    "betavae": (_strata("betavae"), 0.002),
    "mig/binned-factors": (_strata("mig"), 1e-9),
    "sap/continuous": (_strata("sap"), 1e-9),
    "dci-lasso/disentanglement": (_strata("dci", "disentanglement"), 1e-4),
    "dci-lasso/completeness": (_strata("dci", "completeness"), 1e-4),
    "dci-lasso/informativeness": (_strata("dci", "informativeness"), 1e-4),
    "factorvae/variance-pruned": (_strata("factorvae"), 0.0),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strata", required=True, help="the strata executable")
    parser.add_argument("--model", required=True)
    parser.add_argument("--indices", required=True, help=".npy of held-out dSprites items")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        table, plan, ref_path = (os.path.join(tmp, n) for n in ("t.json", "p.npz", "r.json"))
        subprocess.run([args.strata, "metrics", args.model, "--data", "dsprites", "--indices",
                        args.indices, "--items", "0", "--iw-items", "0", "--seed",
                        str(args.seed), "--no-cache", "--json", table, "--plan", plan],
                       check=True, stdout=subprocess.DEVNULL)
        ref = {}
        for name, script in (("strata", "metrics_reference.py"), ("dlib", "dlib_reference.py")):
            subprocess.run([sys.executable, os.path.join(HERE, script), plan, ref_path],
                           check=True)
            with open(ref_path) as f:
                ref[name] = json.load(f)
        with open(table) as f:
            rows = {r["key"]: r for r in json.load(f)["models"][0]["metrics"]}
        with np.load(plan) as arrays:
            n_items = arrays["codes"].shape[0]

    section = {"seed": args.seed, "items": "the card's held-out evaluation items",
               "codes": "posterior means of all layers", "definitions": "docs/metrics.md",
               "checked_by": "tools/dlib_reference.py (default rows), "
                             "tools/metrics_reference.py (Strata variants, beta-VAE)"}
    for key, (reference, tolerance) in CHECKS.items():
        if tolerance is None:  # SAP: a test item near a threshold may flip in the reference
            tolerance = 2.0 / (n_items - ref["dlib"]["sap"]["n_train"])
        value, expected = rows[key]["value"], reference(ref)
        if abs(value - expected) > tolerance:
            sys.exit(f"{key}: Strata {value} but the reference {expected} (tolerance {tolerance})")
        entry = {"value": value, "reference": expected, "tolerance": tolerance,
                 "parameters": rows[key]["parameters"]}
        if rows[key].get("low") is not None:
            entry["interval_95"] = [rows[key]["low"], rows[key]["high"]]
        section[key] = entry
        print(f"{key:28s} {value:.4f}  (reference {expected:.4f})")

    card_path = os.path.splitext(args.model)[0] + ".card.json"
    with open(card_path) as f:
        card = json.load(f)
    card["disentanglement"] = section
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print("updated", card_path)


if __name__ == "__main__":
    main()
