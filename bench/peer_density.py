#!/usr/bin/env python3
"""The aggregation peer of bench_scatter: NumPy's histogram2d over a 1284 x 900 screen.

datashader is not packaged for Debian 12, so NumPy is the aggregation a user would otherwise
reach for. The clouds have bench_scatter's shape (ten clusters on a 5 x 2 grid, 2 % sparse
background, ten categories): counts alone (histogram2d) and counts per category
(histogramdd with the category as a third axis, what categorical shading needs). Prints JSON
lines: median, min and max of five runs, in milliseconds.
"""
import json
import sys
import time

import numpy as np

WIDTH, HEIGHT = 1284, 900


def cloud(n, rng):
    labels = np.arange(n) % 10
    scale = 0.4 + 0.15 * labels
    x = rng.normal(size=n) * scale + 4.0 * (labels % 5)
    y = rng.normal(size=n) * scale * 0.6 + np.where(labels >= 5, 4.0, 0.0)
    background = np.arange(n) % 50 == 0
    x[background] = rng.uniform(-3, 19, background.sum())
    y[background] = rng.uniform(-3, 19, background.sum()) * 0.4
    return x.astype(np.float32), y.astype(np.float32), labels


def timed(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[0], times[-1]


def main():
    largest = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    rng = np.random.default_rng(1)
    for n in (200_000, 1_000_000, 10_000_000):
        if n > largest:
            break
        x, y, labels = cloud(n, rng)
        bounds = [[-4, 20], [-3, 8]]
        for what, fn in (
            ("aggregate_counts", lambda: np.histogram2d(x, y, bins=[WIDTH, HEIGHT], range=bounds)),
            ("aggregate_categories",
             lambda: np.histogramdd((x, y, labels), bins=[WIDTH, HEIGHT, 10],
                                    range=bounds + [[0, 10]])),
        ):
            median, low, high = timed(fn)
            print(json.dumps({"impl": "numpy", "what": what, "points": n, "median_ms": round(median, 1),
                              "min_ms": round(low, 1), "max_ms": round(high, 1)}), flush=True)


if __name__ == "__main__":
    main()
