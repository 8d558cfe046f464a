#!/usr/bin/env python3
"""Write tests/data/models/deep60.pt: a 60-layer hierarchical model with random (seeded)
weights for the views' tests at depth. Contract 2; 1 x 28 x 28 inputs in [0, 1].

Layers, top first, in five groups by resolution as a VDVAE-style model has them:
  12 layers "1 x 1" of [8]; 12 of [2, 2, 2] ("2 x 2"); 12 of [2, 4, 4] ("4 x 4");
  12 of [1, 7, 7] ("7 x 7"); 12 of [1, 14, 14] ("14 x 14").
Each layer's prior is conditioned on the layer above (a linear map of its mean), the posterior
of each layer is a linear map of image features plus the prior mean, and the decoder sums a
linear read-out of every layer into shared features: enough structure for traversals, resampling and KL to mean something
while staying a test fixture (it is not trained).

Run from the repository root:  /usr/bin/python3 tools/make_deep_test_model.py
"""
import os
import sys
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import common, contract  # noqa: E402

GROUPS = [("1 x 1", [8]), ("2 x 2", [2, 2, 2]), ("4 x 4", [2, 4, 4]), ("7 x 7", [1, 7, 7]),
          ("14 x 14", [1, 14, 14])]
PER_GROUP = 12
ABOVE = 16  # a layer's prior reads the first this many values of the layer above
FEATURES = 24  # the image is read and written through this many features: a small file


def layer_list():
    layers = []
    for g, (group, shape) in enumerate(GROUPS):
        for i in range(PER_GROUP):
            layers.append({"name": "z%d_%d" % (g, i), "shape": shape, "group": group})
    return layers


class Deep(torch.nn.Module):
    strata_meta: str
    above_count: int

    def __init__(self, sizes: List[int], shapes: List[List[int]]):
        super().__init__()
        self.sizes = sizes
        self.above_count = ABOVE
        self.shapes = shapes
        self.prior = torch.nn.ModuleList(
            [torch.nn.Linear(min(sizes[max(l - 1, 0)], ABOVE), 2 * sizes[l]) for l in range(len(sizes))])
        self.features = torch.nn.Linear(784, FEATURES)
        self.enc = torch.nn.ModuleList([torch.nn.Linear(FEATURES, 2 * s) for s in sizes])
        self.dec = torch.nn.ModuleList([torch.nn.Linear(s, FEATURES, bias=False) for s in sizes])
        self.out = torch.nn.Linear(FEATURES, 784)

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        out: List[torch.Tensor] = []
        for t in fixed:
            out.append(t)
        k = len(fixed)
        flat: List[torch.Tensor] = [t.reshape(t.shape[0], -1) for t in fixed]
        for l, layer in enumerate(self.prior):
            if l >= k:
                e = eps[l - k].reshape(eps[l - k].shape[0], -1)
                s = self.sizes[l]
                if l == 0:
                    z = temperature[0] * e
                else:
                    h = layer(flat[l - 1][:, :self.above_count])
                    z = h[:, :s] + temperature[l - k] * torch.exp(0.25 * torch.tanh(h[:, s:])) * e
                flat.append(z)
                out.append(z.reshape([z.shape[0]] + self.shapes[l]))
        return out

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        xf = torch.tanh(self.features(x.reshape(x.shape[0], -1)))
        zs: List[torch.Tensor] = []
        qm: List[torch.Tensor] = []
        qlv: List[torch.Tensor] = []
        pm: List[torch.Tensor] = []
        plv: List[torch.Tensor] = []
        above = torch.zeros(x.shape[0], self.sizes[0])
        for l, (enc, prior) in enumerate(zip(self.enc, self.prior)):
            s = self.sizes[l]
            if l == 0:
                p_m = torch.zeros(x.shape[0], s)
                p_lv = torch.zeros(x.shape[0], s)
            else:
                h = prior(above[:, :self.above_count])
                p_m = h[:, :s]
                p_lv = 0.5 * torch.tanh(h[:, s:])
            e = enc(xf)
            m = p_m + e[:, :s]
            lv = torch.tanh(e[:, s:]) - 1.0
            z = m + torch.exp(0.5 * lv) * torch.randn_like(m) if sample else m
            shape = [x.shape[0]] + self.shapes[l]
            zs.append(z.reshape(shape))
            qm.append(m.reshape(shape))
            qlv.append(lv.reshape(shape))
            pm.append(p_m.reshape(shape))
            plv.append(p_lv.reshape(shape))
            above = z
        return {"z": zs, "q_mean": qm, "q_logvar": qlv, "p_mean": pm, "p_logvar": plv}

    def _logits(self, z: List[torch.Tensor]) -> torch.Tensor:
        acc = torch.zeros(z[0].shape[0], self.out.in_features)
        for l, dec in enumerate(self.dec):
            acc = acc + dec(z[l].reshape(z[l].shape[0], -1))
        return (3.0 * self.out(torch.tanh(acc))).reshape(-1, 1, 28, 28)

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return self._logits(z)

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        return -F.binary_cross_entropy_with_logits(self._logits(z), x, reduction="none").sum([1, 2, 3])


def main():
    common.setup(0)
    torch.manual_seed(60)
    layers = layer_list()
    sizes = [int(torch.tensor(l["shape"]).prod()) for l in layers]
    model = Deep(sizes, [list(l["shape"]) for l in layers]).eval()
    meta = contract.make_meta("Deep test model (60 layers, random weights)", 1, 28, 28, layers,
                              training={"note": "random weights, a test fixture for the views"},
                              decode_output="logits")
    path = os.path.join(common.TEST_MODELS_DIR, "deep60.pt")
    scripted = contract.export(model, path, meta)
    report = contract.validate_module(scripted)
    assert report["ok"], report["errors"]
    print("wrote", common.rel(path), "-", len(layers), "layers,", sum(sizes), "units")


if __name__ == "__main__":
    main()
