#!/usr/bin/env python3
"""Evaluate any contract model (with an encoder) on held-out data and print the
numbers the model cards report: ELBO, importance-weighted bound, KL per layer,
active units per layer.

  /usr/bin/python3 tools/evaluate_model.py MODEL.pt --data fashion
  /usr/bin/python3 tools/evaluate_model.py resources/models/fashion_vae.pt --data fashion --update-card

--data fashion: Fashion-MNIST t10k split (10000 images, grey value / 255).
--data dsprites: the 10000 evaluation images of train_dsprites_tcvae.py (seed 3
  permutation, after the first 150000 training indices, in permutation order).
--update-card replaces the "test" section of <MODEL>.card.json.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import common, data  # noqa: E402


def heldout(kind):
    if kind == "fashion":
        x, _ = data.fashion_float("test")
        return torch.from_numpy(x)
    perm = np.random.RandomState(3).permutation(data.DSPRITES_COUNT)
    idx = perm[150000:160000]
    return torch.from_numpy(data.dsprites_batch(idx).astype(np.float32)[:, None])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--data", choices=["fashion", "dsprites"], required=True)
    ap.add_argument("--iw-k", type=int, default=100)
    ap.add_argument("--iw-n", type=int, default=None, help="IW subset size (default 2000 fashion, 1000 dsprites)")
    ap.add_argument("--update-card", action="store_true")
    args = ap.parse_args()
    common.setup(0)
    iw_n = args.iw_n or (2000 if args.data == "fashion" else 1000)
    m = torch.jit.load(args.model)
    m.eval()
    sec, _ = common.summarise_eval(m, heldout(args.data), args.iw_k, iw_n)
    print(json.dumps(sec, indent=2))
    if args.update_card:
        card_path = os.path.splitext(args.model)[0] + ".card.json"
        with open(card_path) as f:
            card = json.load(f)
        card["test"] = sec
        common.write_card(card_path, card)
        print("updated", common.rel(card_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
