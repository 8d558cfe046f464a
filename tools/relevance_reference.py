#!/usr/bin/env python3
"""Reference ARD-VAE relevance for a Strata model file at given latent points (float64).

    /usr/bin/python3 tools/relevance_reference.py MODEL.pt POINTS.npz OUT.json

POINTS.npz holds, for the Jacobian items, one array z<l> [M, *shape of layer l] per layer
(every layer, top first: the posterior means); optionally "units" [2] (the first unit and
the count of the chosen codes among all layers' units, top first) with "means" and
"logvars" [N, count], the posterior of the chosen codes over the metrics items. The model
is run in float64 (a deep copy, `.double()`) and its decode mapped to data units as Strata
shows it (strata_tools.contract.to_data_units); the Jacobian comes from forward-mode
autograd (strata_tools.relevance, Eq. 18). Writes JSON: "weights" (every unit), and with
"units": "prior_variance", "relevance", "n_explained", "order" of the chosen units. A bad
file: message on stderr, exit status 1.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from strata_tools import relevance as rel  # noqa: E402


def main(model_path, points_path, out_path):
    torch.set_num_threads(1)
    model = torch.jit.load(model_path).double().eval()
    meta = json.loads(model.strata_meta)
    with np.load(points_path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    points = [arrays["z%d" % l].astype(np.float64) for l in range(len(meta["layers"]))]
    f, z = rel.strata_model_decoder(model, meta, points)
    m = z.shape[0]
    weights = rel.jacobian_weights(f, z, "forward")["mean_sq"]
    out = {"weights": weights.tolist(), "items": m}
    if "units" in arrays:
        first, count = (int(v) for v in arrays["units"])
        pv = rel.prior_variance(arrays["means"], arrays["logvars"]).numpy()
        relevance = weights[first:first + count] * pv
        ranked = rel.rank_units(relevance)
        out.update({"prior_variance": pv.tolist(), "relevance": relevance.tolist(),
                    "n_explained": ranked["n_explained"], "order": ranked["order"].tolist(),
                    "n_prior_variance_only": rel.rank_units(pv)["n_explained"]})
    with open(out_path, "w") as f_out:
        json.dump(out, f_out, allow_nan=False)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except Exception as e:  # a bad file or model: one line for the caller
        sys.stderr.write("relevance_reference: %s\n" % e)
        sys.exit(1)
