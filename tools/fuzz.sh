#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz (clang, libFuzzer, AddressSanitizer + UBSan) in
# build/fuzz and runs each for SECONDS (default 60) from its corpus, one target at a time.
# New interesting inputs go to build/fuzz/corpus/NAME (never into the repository's corpus);
# crashing inputs to build/fuzz/findings/NAME. See docs/fuzzing.md.
#   tools/fuzz.sh [SECONDS] [TARGET...]      e.g. tools/fuzz.sh 300 npz idx
# Memory stays bounded (2 GB RSS and per allocation), so a reader that allocates what a header
# declares without checking it is reported as a finding. On a shared machine, set
# STRATA_BUILD_LOCK to a lock file to take it for the build and for each target's run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[ $# -gt 0 ] && shift
build=build/fuzz
locked() {
  if [ -n "${STRATA_BUILD_LOCK:-}" ]; then flock "$STRATA_BUILD_LOCK" "$@"; else "$@"; fi
}

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S tests/fuzz -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON
fi
locked cmake --build "$build"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for corpus in tests/fuzz/corpus/*/; do targets+=("$(basename "$corpus")"); done
fi

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export QT_QPA_PLATFORM=offscreen
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  echo "== $t: ${seconds} s"
  locked "$build/fuzz_$t" "$build/corpus/$t" "tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/findings/$t/" -print_final_stats=1 || status=1
done
exit $status
