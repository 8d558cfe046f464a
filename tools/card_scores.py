#!/usr/bin/python3
"""Add the disentanglement scores to a model card, computed by Strata and checked here.

Runs `strata metrics` on the model's held-out items (writing the codes, factors and draws
behind the scores), recomputes every score with the independent reference in
strata_tools/metrics.py from the same draws, and writes both into the card's
"disentanglement" section when they agree within the tolerances of docs/metrics.md.

    tools/card_scores.py --strata build/release/app/strata --model resources/models/dsprites_tcvae.pt \
        --indices tests/data/models/dsprites_tcvae_eval_indices.npy
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOLERANCE = {"mig": 1e-9, "sap": 1e-9, "dci/disentanglement": 1e-4, "dci/completeness": 1e-4,
             "dci/informativeness": 1e-4, "factorvae": 0.0, "betavae": 0.002}


def reference_value(ref, key):
    if key.startswith("dci/"):
        return ref["dci"][key.split("/")[1]]
    return ref[key]["score"]


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
        subprocess.run([sys.executable, os.path.join(HERE, "metrics_reference.py"), plan,
                        ref_path], check=True)
        with open(table) as f:
            rows = {r["key"]: r for r in json.load(f)["models"][0]["metrics"]}
        with open(ref_path) as f:
            ref = json.load(f)

    section = {"seed": args.seed, "items": "the card's held-out evaluation items",
               "codes": "posterior means of all layers",
               "definitions": "docs/metrics.md", "checked_by": "tools/metrics_reference.py"}
    for key, tolerance in TOLERANCE.items():
        value, expected = rows[key]["value"], reference_value(ref, key)
        if abs(value - expected) > tolerance:
            sys.exit(f"{key}: Strata {value} but the reference {expected} (tolerance {tolerance})")
        entry = {"value": value, "reference": expected, "parameters": rows[key]["parameters"]}
        if rows[key].get("low") is not None:
            entry["interval_95"] = [rows[key]["low"], rows[key]["high"]]
        section[key] = entry
        print(f"{key:22s} {value:.4f}  (reference {expected:.4f})")

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
