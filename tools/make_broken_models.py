#!/usr/bin/env python3
"""Write tiny TorchScript models that each break the Strata model contract in one
way (plus valid controls) to tests/data/models/broken/, and an expected.json that
says which check each one must fail. The models have no parameters (a few KB each).

Tiny model: input 1x8x8 in [0,1]; two layers, top first: "a" [2], "b" [1,2,2].

Run from the repository root:  /usr/bin/python3 tools/make_broken_models.py
"""
import json
import os
import sys
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from strata_tools import common, contract  # noqa: E402

OUT_DIR = os.path.join(common.TEST_MODELS_DIR, "broken")


def tiny_meta(**over):
    meta = contract.make_meta("tiny test model", 1, 8, 8,
                              [{"name": "a", "shape": [2]}, {"name": "b", "shape": [1, 2, 2]}],
                              training={"note": "untrained test fixture"})
    meta.update(over)
    return json.dumps(meta)


# The generative model of every tiny model:
#   a ~ N(0, I);  b | a ~ N(mean = a[0] + a[1] (all 4 units), var = 0.25)
#   decode: sigmoid(b), upsampled 2x2 -> 8x8 (nearest)
def _td_mean(a: torch.Tensor) -> torch.Tensor:
    return (a[:, 0] + a[:, 1]).reshape(-1, 1, 1, 1).expand(-1, 1, 2, 2).contiguous()


def _decode(z: List[torch.Tensor]) -> torch.Tensor:
    b = z[1]
    return torch.sigmoid(b.repeat_interleave(4, 2).repeat_interleave(4, 3))


def _prior_sample(fixed: List[torch.Tensor], eps: List[torch.Tensor],
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
            out.append(_td_mean(out[0]) + tau * 0.5 * e)
    return out


def _posterior(x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
    bsz = x.shape[0]
    pooled = torch.nn.functional.avg_pool2d(x, 4)            # [B,1,2,2]
    qa_m = torch.stack([pooled.mean([1, 2, 3]), pooled[:, 0, 0, 0] - pooled[:, 0, 1, 1]], 1)
    qa_lv = torch.full([bsz, 2], -1.0)
    a = qa_m + torch.exp(0.5 * qa_lv) * torch.randn_like(qa_m) if sample else qa_m
    pb_m = _td_mean(a)
    pb_lv = torch.full([bsz, 1, 2, 2], -1.3862943611198906)  # log 0.25
    qb_m = 0.5 * (pb_m + torch.logit(pooled.clamp(0.01, 0.99)))
    qb_lv = torch.full([bsz, 1, 2, 2], -2.0)
    b = qb_m + torch.exp(0.5 * qb_lv) * torch.randn_like(qb_m) if sample else qb_m
    return {"z": [a, b], "q_mean": [qa_m, qb_m], "q_logvar": [qa_lv, qb_lv],
            "p_mean": [torch.zeros_like(qa_m), pb_m], "p_logvar": [torch.zeros_like(qa_lv), pb_lv]}


def _log_px(x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
    p = _decode(z).clamp(1e-6, 1.0 - 1e-6)
    return (x * torch.log(p) + (1.0 - x) * torch.log(1.0 - p)).flatten(1).sum(1)


class Valid(torch.nn.Module):
    strata_meta: str

    def __init__(self, meta: str):
        super().__init__()
        self.strata_meta = meta

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        return _posterior(x, sample)

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return _decode(z)

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        return _prior_sample(fixed, eps, temperature)

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        return _log_px(x, z)


class DecoderOnly(torch.nn.Module):
    strata_meta: str

    def __init__(self, meta: str):
        super().__init__()
        self.strata_meta = meta

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return _decode(z)

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        return _prior_sample(fixed, eps, temperature)


class MissingDecode(torch.nn.Module):
    strata_meta: str

    def __init__(self, meta: str):
        super().__init__()
        self.strata_meta = meta

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        return _posterior(x, sample)

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        return _prior_sample(fixed, eps, temperature)

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        return _log_px(x, z)


class WrongShape(Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return _decode(z)[:, :, :7, :6]          # [B,1,7,6] instead of [B,1,8,8]


class NanOutput(Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return _decode(z) * float("nan")


class OutOfRange(Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return _decode(z) * 5.0                  # values up to 5, declared range [0,1]


# A valid model whose decode takes tens of seconds (about 10^7 one-element additions; TorchScript
# has no sleep): a model call that cannot be interrupted, for testing that quitting never waits
# for one.
class SlowDecode(Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        spin = torch.zeros(1)
        for _ in range(10000000):
            spin = spin + 1.0
        return _decode(z) + spin * 0.0


# file name -> (module, expected validator outcome, the check that must fail)
FIXTURES = {
    "valid_tiny.pt": (lambda: Valid(tiny_meta()), True, None),
    "decoder_only.pt": (lambda: DecoderOnly(tiny_meta()), True, None),
    "missing_method.pt": (lambda: MissingDecode(tiny_meta()), False, "method decode missing"),
    "wrong_shape.pt": (lambda: WrongShape(tiny_meta()), False, "decode output shape"),
    "nan_output.pt": (lambda: NanOutput(tiny_meta()), False, "decode output not finite"),
    "bad_meta.pt": (lambda: Valid('{"contract": 1, "name": "tiny", '), False, "strata_meta not valid JSON"),
    "wrong_contract.pt": (lambda: Valid(tiny_meta(contract=99)), False, "strata_meta.contract != 1"),
    "out_of_range.pt": (lambda: OutOfRange(tiny_meta()), False, "decode output outside input.range"),
}

# Valid but slow: kept out of expected.json and out of the validation above.
SLOW_FIXTURES = {
    "slow_decode.pt": lambda: SlowDecode(tiny_meta()),
}


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    os.makedirs(OUT_DIR, exist_ok=True)
    expected = {}
    all_as_expected = True
    for fname, (make, valid, broken_check) in FIXTURES.items():
        path = os.path.join(OUT_DIR, fname)
        torch.jit.script(make()).save(path)
        contract.scrub_source_paths(path)
        res = contract.validate(path)
        as_expected = res["ok"] == valid and (valid or len(res["errors"]) == 1)
        all_as_expected = all_as_expected and as_expected
        expected[fname] = {"valid": valid, "encoder": fname != "decoder_only.pt",
                           "violation": broken_check, "validator_errors": res["errors"]}
        print("  -> %s (%d bytes)\n" % ("as expected" if as_expected else "UNEXPECTED",
                                        os.path.getsize(path)))
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    # Not validated here: every decode of the probe would take tens of seconds.
    for fname, make in SLOW_FIXTURES.items():
        path = os.path.join(OUT_DIR, fname)
        torch.jit.script(make()).save(path)
        contract.scrub_source_paths(path)
        print("%s (%d bytes, not validated: slow by design)\n" % (path, os.path.getsize(path)))
    return 0 if all_as_expected else 1


if __name__ == "__main__":
    sys.exit(main())
