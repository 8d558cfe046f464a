"""The peers of bench_projections.cpp on the very inputs it wrote: scikit-learn PCA and TSNE,
umap-learn UMAP and pynndescent kNN. Then scores every layout the same way.

    /usr/bin/python3 bench/peer_projections.py OUT_DIR [--no-tsne] [--fashion-only]
"""
import json
import os
import sys
import time

import numpy as np


def report(what, data, seconds):
    print(json.dumps({"impl": "python", "what": what, "data": data, "seconds": round(seconds, 3)}), flush=True)


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def knn_recall(x, y, k=10, queries=5000, seed=0):
    """Mean fraction of a point's k nearest neighbours in x that are among its k nearest in
    y, for `queries` random points, exact search over all points."""
    from sklearn.neighbors import NearestNeighbors
    q = np.random.default_rng(seed).choice(x.shape[0], queries, replace=False)
    hx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x[q], return_distance=False)[:, 1:]
    hy = NearestNeighbors(n_neighbors=k + 1).fit(y).kneighbors(y[q], return_distance=False)[:, 1:]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(hx, hy)]))


def graph_recall(found, x, rows, k=15):
    from sklearn.neighbors import NearestNeighbors
    exact = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x[rows], return_distance=False)[:, 1:]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found[:len(rows)], exact)]))


def main():
    out = sys.argv[1]
    tsne_too = "--no-tsne" not in sys.argv
    fashion_only = "--fashion-only" in sys.argv
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    import umap
    import pynndescent

    x = np.load(os.path.join(out, "fashion_input.npy"))
    y, s = timed(lambda: PCA(n_components=2, svd_solver="full").fit_transform(x))
    report("pca", "fashion", s)
    np.save(os.path.join(out, "python_pca_fashion.npy"), y.astype(np.float32))
    idx, s = timed(lambda: pynndescent.NNDescent(x, n_neighbors=16, random_state=0, n_jobs=2).neighbor_graph[0][:, 1:])
    report("knn15", "fashion", s)
    np.save(os.path.join(out, "python_knn_fashion.npy"), idx.astype(np.float32))
    umap.UMAP(n_epochs=2).fit_transform(x[:2000])  # numba compilation, not timed
    y, s = timed(lambda: umap.UMAP(random_state=0).fit_transform(x))
    report("umap", "fashion", s)
    np.save(os.path.join(out, "python_umap_fashion.npy"), y.astype(np.float32))
    # Without random_state umap-learn runs its layout on every core (not reproducible).
    y, s = timed(lambda: umap.UMAP(n_jobs=-1).fit_transform(x))
    report("umap-unseeded", "fashion", s)
    np.save(os.path.join(out, "python_umap-unseeded_fashion.npy"), y.astype(np.float32))
    if tsne_too:
        y, s = timed(lambda: TSNE(init="pca", learning_rate="auto", n_jobs=2, random_state=0).fit_transform(x))
        report("tsne", "fashion", s)
        np.save(os.path.join(out, "python_tsne_fashion.npy"), y.astype(np.float32))

    m = None if fashion_only else np.load(os.path.join(out, "million_input.npy"))
    if m is not None:
        run_million(out, m)
    score_fashion(out, x)
    if m is not None:
        score_million_graphs(out, m)


def run_million(out, m):
    import pynndescent
    from sklearn.decomposition import PCA
    _, s = timed(lambda: PCA(n_components=2, svd_solver="randomized", random_state=0).fit_transform(m))
    report("pca", "million", s)
    idx, s = timed(lambda: pynndescent.NNDescent(m, n_neighbors=16, random_state=0, n_jobs=2).neighbor_graph[0][:, 1:])
    report("knn15", "million", s)
    np.save(os.path.join(out, "python_knn_million_first20k.npy"), idx[:20000].astype(np.float32))


def score_fashion(out, x):
    """Quality of every layout and graph, scored identically."""
    for impl in ("strata", "python"):
        for method in ("pca", "umap", "umap-unseeded", "tsne"):
            path = os.path.join(out, "%s_%s_fashion.npy" % (impl, method))
            if os.path.exists(path):
                print(json.dumps({"impl": impl, "quality": method, "data": "fashion",
                                  "knn_recall_10": round(knn_recall(x, np.load(path)), 4)}), flush=True)
        rows = np.arange(2000)
        for quality in ("knn15", "knn15-thorough"):
            path = os.path.join(out, "%s_%s_fashion.npy" % (impl, quality.replace("15", "")))
            if os.path.exists(path):
                g = np.load(path).astype(np.int64)
                print(json.dumps({"impl": impl, "quality": quality, "data": "fashion",
                                  "graph_recall": round(graph_recall(g, x, rows), 4)}), flush=True)


def score_million_graphs(out, m):
    rows = np.arange(2000)
    for impl, quality, stem in (("strata", "knn15", "strata_knn"),
                                ("strata", "knn15-thorough", "strata_knn-thorough"),
                                ("python", "knn15", "python_knn")):
        path = os.path.join(out, "%s_million_first20k.npy" % stem)
        if not os.path.exists(path):
            continue
        g = np.load(path).astype(np.int64)
        print(json.dumps({"impl": impl, "quality": quality, "data": "million",
                          "graph_recall": round(graph_recall(g, m, rows), 4)}), flush=True)


if __name__ == "__main__":
    main()
