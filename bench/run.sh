#!/usr/bin/env bash
# Runs Strata's benchmarks and their Python peers in the same session and prints a Markdown
# table with the ratios. Usage: bench/run.sh [model names...]   (build first: tools/dev.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
out=$(mktemp -d)
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
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
rm -rf "$out"
