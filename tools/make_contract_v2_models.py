#!/usr/bin/env python3
"""Write the two contract-2 test models and their PyTorch references to tests/data/models/.

Both take 3 x 8 x 8 images in [0, 1] standardised per channel (input.normalize: the
mean/std a torchvision Normalize would hold), have two layers with groups and display names,
and random (seeded) weights: they test the contract, not a model.

  v2_norm_logits   decode returns Bernoulli logits (output.decode = "logits"); Strata shows
                   their sigmoid.
  v2_norm_mean     decode returns the mean in the standardised space (output.decode =
                   "mean"); Strata undoes the normalisation before showing it.

The references are what Strata must reproduce, computed here by the contract's own mapping
(strata_tools.contract.to_model_inputs / to_data_units):
  x        [4, 3, 8, 8] data in [0, 1]           qmean0/1  posterior means of model inputs
  eps0/1   prior noise   z0/1 prior_sample(eps)   decode    decode(z) in data units
  logpx    log_px(model inputs, posterior means)  recon     decode(q_mean) in data units

Run from the repository root:  /usr/bin/python3 tools/make_contract_v2_models.py
"""
import json
import math
import os
import sys
from typing import Dict, List

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from strata_tools import common, contract  # noqa: E402

LOG_NORM = -math.log(0.1) - 0.5 * math.log(2 * math.pi)  # of a Gaussian with sigma 0.1
MEAN = [0.5, 0.4, 0.3]
STD = [0.25, 0.2, 0.3]
LAYERS = [{"name": "z1", "shape": [3], "group": "1 x 1", "display_name": "global"},
          {"name": "z2", "shape": [2, 2, 2], "group": "2 x 2", "display_name": "local"}]


class TinyV2(torch.nn.Module):
    strata_meta: str
    logits: bool
    log_norm: float

    def __init__(self, logits: bool):
        super().__init__()
        self.logits = logits
        self.log_norm = LOG_NORM
        self.enc = torch.nn.Linear(192, 2 * 3 + 2 * 8)
        self.enc2 = torch.nn.Linear(3, 2 * 8)      # q(z2 | x, z1): a ladder-style correction
        self.prior2 = torch.nn.Linear(3, 2 * 8)    # p(z2 | z1)
        self.dec = torch.nn.Linear(3 + 8, 192)
        self.mean = torch.nn.Parameter(torch.tensor(MEAN).reshape(1, 3, 1, 1), requires_grad=False)
        self.std = torch.nn.Parameter(torch.tensor(STD).reshape(1, 3, 1, 1), requires_grad=False)

    def _prior2(self, z1: torch.Tensor):
        h = self.prior2(z1)
        return h[:, :8].reshape(-1, 2, 2, 2), torch.tanh(h[:, 8:]).reshape(-1, 2, 2, 2)

    def _raw(self, z: List[torch.Tensor]) -> torch.Tensor:
        h = torch.cat([z[0], z[1].reshape(-1, 8)], 1)
        return self.dec(h).reshape(-1, 3, 8, 8)

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        raw = self._raw(z)
        if self.logits:
            return raw
        return (torch.sigmoid(raw) - self.mean) / self.std  # a mean in the standardised space

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        h = self.enc(x.reshape(-1, 192))
        m1, lv1 = h[:, :3], torch.tanh(h[:, 3:6])
        z1 = m1 + torch.exp(0.5 * lv1) * torch.randn_like(m1) if sample else m1
        pm2, plv2 = self._prior2(z1)
        c = self.enc2(z1)
        m2 = pm2 + (h[:, 6:14] + c[:, :8]).reshape(-1, 2, 2, 2)
        lv2 = torch.tanh(h[:, 14:22] + c[:, 8:]).reshape(-1, 2, 2, 2)
        z2 = m2 + torch.exp(0.5 * lv2) * torch.randn_like(m2) if sample else m2
        return {"z": [z1, z2], "q_mean": [m1, m2], "q_logvar": [lv1, lv2],
                "p_mean": [torch.zeros_like(m1), pm2], "p_logvar": [torch.zeros_like(lv1), plv2]}

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        out: List[torch.Tensor] = []
        for t in fixed:
            out.append(t)
        k = len(fixed)
        for level in range(k, 2):
            e = eps[level - k]
            tau = temperature[level - k]
            if level == 0:
                out.append(tau * e)
            else:
                pm, plv = self._prior2(out[0])
                out.append(pm + tau * torch.exp(0.5 * plv) * e)
        return out

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        raw = self._raw(z)
        if self.logits:  # Bernoulli on the pixels, read back from the standardised inputs
            target = (x * self.std + self.mean).clamp(0.0, 1.0)
            return -F.binary_cross_entropy_with_logits(raw, target, reduction="none").sum([1, 2, 3])
        mu = (torch.sigmoid(raw) - self.mean) / self.std  # Gaussian, sigma 0.1, standardised
        return (-0.5 * ((x - mu) / 0.1) ** 2 + self.log_norm).sum([1, 2, 3])


def write(name: str, logits: bool, seed: int) -> None:
    torch.manual_seed(seed)
    model = TinyV2(logits).eval()
    meta = contract.make_meta(
        "contract 2 test model (%s)" % ("logits" if logits else "standardised mean"), 3, 8, 8,
        LAYERS, training={"note": "random weights, a test fixture"},
        likelihood="bernoulli" if logits else "gaussian",
        normalize={"mean": MEAN, "std": STD}, decode_output="logits" if logits else "mean")
    path = os.path.join(common.TEST_MODELS_DIR, name + ".pt")
    scripted = contract.export(model, path, meta)
    report = contract.validate_module(scripted)
    assert report["ok"], report["errors"]

    g = torch.Generator().manual_seed(seed + 1)
    refs = {"x": torch.rand(4, 3, 8, 8, generator=g)}
    refs["eps0"] = torch.randn(4, 3, generator=g)
    refs["eps1"] = torch.randn(4, 2, 2, 2, generator=g)
    with torch.no_grad():
        z = scripted.prior_sample([], [refs["eps0"], refs["eps1"]], [1.0, 1.0])
        refs["z0"], refs["z1"] = z
        refs["decode"] = contract.to_data_units(scripted.decode(z), meta)
        inputs = contract.to_model_inputs(refs["x"], meta)
        q = scripted.posterior(inputs, False)
        refs["qmean0"], refs["qmean1"] = q["q_mean"]
        refs["logpx"] = scripted.log_px(inputs, q["z"])
        refs["recon"] = contract.to_data_units(scripted.decode(q["z"]), meta)
        # What a reader that ignored the contract-2 parts would report, to show they matter.
        raw_q = scripted.posterior(refs["x"], False)
        ignored = {"logpx": scripted.log_px(refs["x"], raw_q["z"]).tolist(),
                   "decode_min_max": [float(scripted.decode(z).min()), float(scripted.decode(z).max())]}
    for key, value in refs.items():
        np.save(os.path.join(common.TEST_MODELS_DIR, "%s_ref_%s.npy" % (name, key)),
                value.numpy().astype(np.float32))
    with open(os.path.join(common.TEST_MODELS_DIR, name + "_ref.json"), "w") as f:
        json.dump({"model": name + ".pt", "meta": meta, "ignoring_contract_2": ignored,
                   "reproduce": "/usr/bin/python3 tools/make_contract_v2_models.py"}, f, indent=1)
    print("wrote", common.rel(path))


if __name__ == "__main__":
    common.setup(0)
    write("v2_norm_logits", True, 11)
    write("v2_norm_mean", False, 12)
