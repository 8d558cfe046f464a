#!/usr/bin/env python3
"""Reference PCA for the C++ tests: scikit-learn's exact PCA (full SVD, in double precision)
of a float32 array.

    /usr/bin/python3 tools/pca_reference.py DATA.npy COMPONENTS OUT.json

Writes "mean", "components" (one unit row per component), "explained_variance" (divided
by n - 1) and "explained_variance_ratio" as JSON. A bad or unreadable file: message on
stderr, exit status 1.
"""
import argparse
import json
import sys

import numpy as np
from sklearn.decomposition import PCA


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="[n, d] array (.npy)")
    parser.add_argument("components", type=int)
    parser.add_argument("out", help="output file (.json)")
    args = parser.parse_args(argv)
    try:
        x = np.load(args.data, allow_pickle=False)
        if x.ndim != 2:
            raise ValueError("expected a 2-D array, got shape %s" % (x.shape,))
        # Double precision, so the reference is more accurate than the code it checks.
        pca = PCA(n_components=args.components, svd_solver="full").fit(x.astype(np.float64))
        result = {"mean": pca.mean_.tolist(),
                  "components": pca.components_.tolist(),
                  "explained_variance": pca.explained_variance_.tolist(),
                  "explained_variance_ratio": pca.explained_variance_ratio_.tolist()}
        with open(args.out, "w") as f:
            json.dump(result, f, allow_nan=False)
    except (OSError, ValueError) as e:
        print("pca_reference: %s: %s" % (args.data, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
