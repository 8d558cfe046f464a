#!/usr/bin/env bash
# Runs Strata's benchmarks and their Python peers in the same session and prints a Markdown
# table with the ratios. Usage: bench/run.sh [model names...]   (build first: tools/dev.sh)
# STRATA_BENCH_SECTIONS picks sections (default "inference projections scatter open"; also
# "metrics", "relevance").
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
out=$(mktemp -d)
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
sections=" ${STRATA_BENCH_SECTIONS:-inference projections scatter open} "
if [[ $sections == *" inference "* ]]; then
build/release/bench/bench_inference "$@" > "$out/strata.jsonl"
/usr/bin/python3 bench/peer_inference.py "$@" > "$out/pytorch.jsonl"
/usr/bin/python3 - "$out" "$blas" <<'PY'
import json, sys, os
out, blas = sys.argv[1], sys.argv[2]
rows = {}
for impl in ("strata", "pytorch"):
    for line in open(os.path.join(out, impl + ".jsonl")):
        r = json.loads(line)
        rows.setdefault((r["model"], r["what"], r["batch"], r["threads"]), {})[impl] = r
print(f"BLAS: {os.path.basename(os.path.dirname(blas))}; {os.cpu_count()} cores\n")
print("| model | measurement | batch | threads | Strata median (p95) ms | PyTorch median (p95) ms | PyTorch / Strata |")
print("|---|---|---:|---:|---:|---:|---:|")
for (model, what, batch, threads), r in sorted(rows.items()):
    s, p = r.get("strata"), r.get("pytorch")
    if not s or not p:
        continue
    print(f"| {model} | {what} | {batch} | {threads} | {s['median_ms']:.2f} ({s['p95_ms']:.2f}) | "
          f"{p['median_ms']:.2f} ({p['p95_ms']:.2f}) | {p['median_ms'] / s['median_ms']:.2f}x |")
PY
fi
# Projections (long: scikit-learn's t-SNE on 70,000 points takes minutes) and scatter frames.
if [[ $sections == *" projections "* ]]; then
  # STRATA_BENCH_PROJECTIONS="--fashion-only --no-tsne" runs only the 70,000-point UMAP and PCA.
  read -r -a projection_args <<< "${STRATA_BENCH_PROJECTIONS:-}"
  build/release/bench/bench_projections "$out" ${projection_args[@]+"${projection_args[@]}"} > "$out/proj_strata.jsonl"
  /usr/bin/python3 bench/peer_projections.py "$out" ${projection_args[@]+"${projection_args[@]}"} > "$out/proj_python.jsonl"
  /usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = [json.loads(l) for f in ("proj_strata.jsonl", "proj_python.jsonl") for l in open(os.path.join(out, f))]
time = {(r["impl"], r["what"], r["data"]): r["seconds"] for r in rows if "seconds" in r}
quality = {(r["impl"], r["quality"], r["data"]): r.get("knn_recall_10", r.get("graph_recall")) for r in rows if "quality" in r}
peer = {"pca": "scikit-learn PCA", "tsne": "scikit-learn TSNE", "umap": "umap-learn (seeded)",
        "umap-unseeded": "umap-learn (unseeded, parallel)", "knn15": "pynndescent"}
print("\n| task | data | Strata s | peer | peer s | peer / Strata | Strata quality | peer quality |")
print("|---|---|---:|---|---:|---:|---:|---:|")
for (impl, what, data), p in sorted(time.items()):
    mine = what.split("-")[0]  # a peer's variant is compared with Strata's one way
    if impl != "python" or (("strata", mine, data) not in time):
        continue
    s = time[("strata", mine, data)]
    q1, q2 = quality.get(("strata", mine, data)), quality.get(("python", what, data))
    fmt = lambda q: "" if q is None else f"{q:.3f}"
    print(f"| {mine} | {data} | {s:.2f} | {peer[what]} | {p:.2f} | {p / s:.1f}x | {fmt(q1)} | {fmt(q2)} |")
    # Strata's own variants ("knn15-thorough") against the same peer.
    for (impl2, variant, data2), s2 in sorted(time.items()):
        if impl2 == "strata" and data2 == data and variant.startswith(what + "-"):
            q3 = quality.get(("strata", variant, data))
            print(f"| {variant} | {data} | {s2:.2f} | {peer[what]} | {p:.2f} | {p / s2:.1f}x | {fmt(q3)} | {fmt(q2)} |")
PY
fi
# Scatter frames: density drawing, VTK's point path and NumPy's aggregation in one run.
if [[ $sections == *" scatter "* ]]; then
xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bench/bench_scatter > "$out/scatter.jsonl"
/usr/bin/python3 bench/peer_density.py > "$out/density_numpy.jsonl"
/usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = [json.loads(l) for f in ("scatter.jsonl", "density_numpy.jsonl") for l in open(os.path.join(out, f))]
get = lambda impl, what, n: next((r for r in rows if r["impl"] == impl and r["what"] == what and r["points"] == n), None)
fmt = lambda r: "" if r is None else (f"{r['median_ms']:.0f} ({r['min_ms']:.0f}-{r['max_ms']:.0f})" if r.get("max_ms") else f"{r['median_ms']:.0f}")
print("\n| points | measurement | Strata ms, median (min-max) | VTK points ms | NumPy ms | peer / Strata |")
print("|---:|---|---:|---:|---:|---:|")
for n in sorted({r["points"] for r in rows}):
    for what, peer in (("first_frame", ("vtk-points", "first_frame")), ("pan_frame", ("vtk-points", "pan_frame")),
                       ("zoom_frame", ("vtk-points", "zoom_frame")), ("zoom_binning", ("numpy", "aggregate_categories")),
                       ("hover", None), ("lasso", None), ("lasso_to_frame", None)):
        s = get("strata", what, n)
        if s is None:
            continue
        p = get(*peer, n) if peer else None
        vtk = p if peer and peer[0] == "vtk-points" else None
        npy = p if peer and peer[0] == "numpy" else None
        ratio = f"{p['median_ms'] / s['median_ms']:.1f}x" if p and s["median_ms"] > 0 else ""
        print(f"| {n:,} | {what} | {fmt(s)} | {fmt(vtk)} | {fmt(npy)} | {ratio} |")
    m = get("strata", "memory", n)
    if m:
        print(f"| {n:,} | view memory | {m['view_bytes'] / 2**20:.0f} MB = {m['view_over_coordinates']:.2f} x the coordinates | | | |")
    m = get("strata", "memory_with_selection", n)
    if m:
        print(f"| {n:,} | view memory, {m['selected']:,} points selected | {m['view_bytes'] / 2**20:.0f} MB = {m['view_over_coordinates']:.2f} x the coordinates | | | |")
PY
fi
# Opening a 10,000,000 x 2 float32 coordinate file (76 MB, from the page cache): Strata maps it,
# against reading it whole (Strata's earlier path) and numpy.load, each in its own process.
if [[ $sections == *" open "* ]]; then
  /usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(0).normal(size=(10_000_000, 2)).astype(np.float32))" "$out/coords.npy"
  for way in mapped read; do build/release/bench/bench_open "$out/coords.npy" $way 5; done > "$out/open.jsonl"
  /usr/bin/python3 - "$out/coords.npy" >> "$out/open.jsonl" <<'PY'
import json, resource, statistics, sys, time
import numpy as np
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = []
for _ in range(5):
    t = time.perf_counter()
    a = np.load(sys.argv[1])
    times.append(time.perf_counter() - t)
    del a
times.sort()
print(json.dumps({"impl": "numpy.load", "items": 10_000_000, "median_s": statistics.median(times), "min_s": times[0],
                  "max_s": times[-1], "added_peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
PY
  /usr/bin/python3 - "$out/open.jsonl" <<'PY'
import json, sys
rows = {r["impl"]: r for r in map(json.loads, open(sys.argv[1]))}
mapped = rows["strata-mapped"]
print("\n| open 10,000,000 x 2 float32 (76 MB) | median s | fastest-slowest open | memory added | time / Strata mapped |")
print("|---|---:|---:|---:|---:|")
for impl, name in (("strata-mapped", "Strata, mapped"), ("strata-read", "Strata, read whole first (its earlier path)"), ("numpy.load", "numpy.load")):
    r = rows[impl]
    print(f"| {name} | {r['median_s']:.3f} | {r['min_s']:.3f}-{r['max_s']:.3f} | {r['added_peak_mb']:.0f} MB | {r['median_s'] / mapped['median_s']:.1f}x |")
PY
fi
# Disentanglement scores in disentanglement_lib's convention against scikit-learn (minutes:
# scikit-learn's boosted trees on 3,200 items take about two). Not in the default sections.
if [[ $sections == *" metrics "* ]]; then
  build/release/bench/bench_metrics "$out" "${STRATA_BENCH_METRIC_ITEMS:-4000}" 3 > "$out/metrics_strata.jsonl"
  /usr/bin/python3 bench/peer_metrics.py "$out" > "$out/metrics_sklearn.jsonl"
  /usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = {(r["impl"], r["what"]): r for f in ("metrics_strata.jsonl", "metrics_sklearn.jsonl")
        for r in map(json.loads, open(os.path.join(out, f)))}
print("\n| score | items | Strata s, median (min-max) | scikit-learn s | scikit-learn / Strata | Strata score | scikit-learn score |")
print("|---|---:|---:|---:|---:|---:|---:|")
for what, name in (("sap", "SAP (LinearSVC gap)"), ("dci", "DCI disentanglement (boosted trees)")):
    s, p = rows[("strata", what)], rows[("scikit-learn", what)]
    print(f"| {name} | {s['items']:,} | {s['median_s']:.2f} ({s['min_s']:.2f}-{s['max_s']:.2f}) | "
          f"{p['median_s']:.1f} | {p['median_s'] / s['median_s']:.0f}x | {s['score']:.4f} | {p['score']:.4f} |")
PY
fi
# ARD-VAE Jacobian weights against PyTorch's forward-mode autograd on the same points.
if [[ $sections == *" relevance "* ]]; then
  build/release/bench/bench_relevance "$out" 3 > "$out/relevance_strata.jsonl"
  /usr/bin/python3 bench/peer_relevance.py "$out" 3 > "$out/relevance_pytorch.jsonl"
  /usr/bin/python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = {(r["impl"], r["model"]): r for f in ("relevance_strata.jsonl", "relevance_pytorch.jsonl")
        for r in map(json.loads, open(os.path.join(out, f)))}
print("\n| model | units | Jacobian items | Strata s, median (min-max) | PyTorch s, median (min-max) | PyTorch / Strata | sum of weights, Strata / PyTorch |")
print("|---|---:|---:|---:|---:|---:|---:|")
for (impl, model), s in sorted(rows.items()):
    p = rows.get(("pytorch", model))
    if impl != "strata" or not p:
        continue
    print(f"| {model} | {s['units']} | {s['items']} | {s['median_s']:.2f} ({s['min_s']:.2f}-{s['max_s']:.2f}) | "
          f"{p['median_s']:.2f} ({p['min_s']:.2f}-{p['max_s']:.2f}) | {p['median_s'] / s['median_s']:.2f}x | "
          f"{s['weight_sum'] / p['weight_sum']:.6f} |")
PY
fi
rm -rf "$out"
