#!/usr/bin/env python3
"""scikit-learn's SAP (LinearSVC) and DCI (GradientBoostingClassifier) in disentanglement_lib's
convention on the plan bench_metrics wrote (tools/strata_tools/dlib_scores.py), timed.

    /usr/bin/python3 bench/peer_metrics.py OUT_DIR [RUNS=1]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import numpy as np  # noqa: E402

from strata_tools import dlib_scores  # noqa: E402


def main():
    out = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with np.load(os.path.join(out, "metrics_plan.npz")) as plan:
        codes, factors, n_train = plan["codes"], plan["factors"], int(plan["n_train"])
    labels, _ = dlib_scores.factor_labels(factors)
    for what, score in (("sap", lambda: dlib_scores.sap(codes, labels, n_train)["score"]),
                        ("dci", lambda: dlib_scores.dci(codes, labels, n_train)["disentanglement"])):
        seconds, value = [], None
        for _ in range(runs):
            start = time.perf_counter()
            value = score()
            seconds.append(time.perf_counter() - start)
        seconds.sort()
        print(json.dumps({"impl": "scikit-learn", "what": what, "items": len(codes),
                          "median_s": seconds[len(seconds) // 2], "min_s": seconds[0],
                          "max_s": seconds[-1], "score": value}), flush=True)


if __name__ == "__main__":
    main()
