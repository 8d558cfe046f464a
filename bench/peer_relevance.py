#!/usr/bin/env python3
"""The ARD-VAE Jacobian weights a user would compute in PyTorch: forward-mode autograd
(torch.autograd.forward_ad) through the TorchScript decoder in float32, mapped to data units,
on the points bench_relevance wrote (tools/strata_tools/relevance.py), timed.

    /usr/bin/python3 bench/peer_relevance.py OUT_DIR [RUNS=3]
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import relevance as rel  # noqa: E402


def main():
    out = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for name in ("fashion_vae", "fashion_lvae", "dsprites_tcvae"):
        model = torch.jit.load(os.path.join(HERE, "..", "resources", "models", name + ".pt")).eval()
        meta = json.loads(model.strata_meta)
        with np.load(os.path.join(out, "relevance_%s.npz" % name)) as npz:
            points = [npz["z%d" % l].astype(np.float32) for l in range(len(meta["layers"]))]
        f, z = rel.strata_model_decoder(model, meta, points)
        m = z.shape[0]
        seconds, weights = [], None
        for _ in range(runs):
            start = time.perf_counter()
            with torch.no_grad():
                weights = rel.jacobian_weights(f, z, "forward", max_elements=1 << 22)["mean_sq"]
            seconds.append(time.perf_counter() - start)
        seconds.sort()
        print(json.dumps({"impl": "pytorch", "model": name, "units": int(z.shape[1]), "items": m,
                          "median_s": seconds[len(seconds) // 2], "min_s": seconds[0],
                          "max_s": seconds[-1], "weight_sum": float(np.sum(weights))}),
              flush=True)


if __name__ == "__main__":
    main()
