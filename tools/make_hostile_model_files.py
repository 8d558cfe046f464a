"""Writes model files that are damaged in ways that crash LibTorch itself.

Strata must survive them: it vets a new model file in a child process before loading it (see
core/model/model_vetting.h). Run with Debian's /usr/bin/python3 from the repository root:

    /usr/bin/python3 tools/make_hostile_model_files.py

empty_storages.pt: the bundled flat VAE with every tensor storage (the archive's data/ members)
emptied. torch.jit.load reads past the end of the empty storages and segfaults, in Python too.

runtime_liar.pt: a tiny model (the broken-model fixtures' generative model) that passes the
validation probe, whose batch is 3, and breaks the contract for larger batches: decode returns
one item too few, posterior returns NaN in q_mean of the first layer for the 5th item, log_px
returns float64, prior_sample returns one layer too few. Strata must check every result where
it is produced and name the method (and items).
"""
import os
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from make_broken_models import Valid, tiny_meta, _decode, _posterior, _prior_sample, _log_px  # noqa: E402
from strata_tools import contract  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "models" / "fashion_vae.pt"
OUT = ROOT / "tests" / "data" / "models" / "hostile"


def empty_storages(source: Path, target: Path) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if "/data/" in info.filename and not info.filename.endswith(".pkl"):
                data = b""
            out = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            dst.writestr(out, data)


class RuntimeLiar(Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        x = _decode(z)
        return x[: x.shape[0] - 1] if x.shape[0] > 3 else x

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        q = _posterior(x, sample)
        if x.shape[0] > 4:
            q["q_mean"][0][4] = float("nan")
        return q

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        lp = _log_px(x, z)
        return lp.double() if x.shape[0] > 3 else lp

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        out = _prior_sample(fixed, eps, temperature)
        return out[:1] if out[0].shape[0] > 3 else out


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    empty_storages(SOURCE, OUT / "empty_storages.pt")
    liar = OUT / "runtime_liar.pt"
    torch.jit.script(RuntimeLiar(tiny_meta())).save(str(liar))
    contract.scrub_source_paths(str(liar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
