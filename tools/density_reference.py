#!/usr/bin/env python3
"""Reference for Strata's density raster: NumPy's histogram2d over the same screen pixels.

usage: density_reference.py POINTS.npy PARAMS.json OUT.npz
POINTS.npy is float32 [n, 2]; PARAMS.json holds the screen transform (a, c, e, f: pixel =
(a x + c, e y + f)), width, height, a category per point with its palette colour
("categories", "palette" [k, 3]) and a value per point ("values"). OUT.npz gets, per pixel
(row = y, bottom-up): count, r, g, b (summed palette colours), value_sum, value_count.
"""
import json
import sys

import numpy as np


def main():
    points = np.load(sys.argv[1]).astype(np.float64)
    with open(sys.argv[2]) as f:
        p = json.load(f)
    a, c, e, f_ = p["a"], p["c"], p["e"], p["f"]
    width, height = p["width"], p["height"]
    # Pixel i covers [(i - c) / a, (i + 1 - c) / a) in x, likewise in y.
    x_edges = (np.arange(width + 1) - c) / a
    y_edges = (np.arange(height + 1) - f_) / e
    x, y = points[:, 0], points[:, 1]
    visible = np.asarray(p["visible"], dtype=bool)
    keep = np.isfinite(x) & np.isfinite(y) & visible
    x, y = x[keep], y[keep]

    def hist(weights=None):
        h, _, _ = np.histogram2d(y, x, bins=[y_edges, x_edges], weights=weights)
        return h

    categories = np.asarray(p["categories"])[keep]
    palette = np.asarray(p["palette"], dtype=np.float64)
    values = np.asarray(p["values"], dtype=np.float64)[keep]
    finite_value = np.isfinite(values)
    out = {
        "count": hist(),
        "r": hist(palette[categories, 0]),
        "g": hist(palette[categories, 1]),
        "b": hist(palette[categories, 2]),
        "value_sum": hist(np.where(finite_value, values, 0.0)),
        "value_count": hist(finite_value.astype(np.float64)),
    }
    np.savez(sys.argv[3], **out)


if __name__ == "__main__":
    main()
