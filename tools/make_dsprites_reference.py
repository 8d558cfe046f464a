"""Writes tests/data/dsprites_reference.npz: dSprites images rendered by the Python
generator (strata_tools.data) for a fixed sample of indices, so the C++ generator can be
checked against it pixel for pixel.

    /usr/bin/python3 tools/make_dsprites_reference.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from strata_tools.data import dsprites_batch  # noqa: E402

TOTAL = 3 * 6 * 40 * 32 * 32


def main():
    rng = np.random.default_rng(1234)
    corners = np.array([0, 1, 31, 32, 1023, 1024, TOTAL // 2, TOTAL - 1], dtype=np.int64)
    indices = np.concatenate([corners, rng.choice(TOTAL, size=120, replace=False)])
    images = dsprites_batch(indices)
    out = os.path.join(HERE, "..", "tests", "data", "dsprites_reference.npz")
    np.savez_compressed(out, indices=indices, imgs=images)
    print(f"wrote {len(indices)} images to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
