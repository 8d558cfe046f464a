#!/usr/bin/env bash
# Set up, build, run and test Strata on Debian 12.
#   tools/dev.sh run    install missing packages, build (Release), launch Strata
#   tools/dev.sh test   install missing packages, build, run every test through CTest
#   tools/dev.sh lint   clang-format on every tracked C++ file, clang-tidy on the changed ones
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config ccache clang-format clang-tidy
  qt6-base-dev libqt6opengl6-dev qt6-svg-dev libgl-dev
  libvtk9-dev libeigen3-dev libfftw3-dev zlib1g-dev libgif-dev libhnswlib-dev libxxhash-dev
  libtorch-dev libopenblas0-openmp
  python3-torch python3-numpy python3-sklearn umap-learn python3-pynndescent python3-distributed
  dataset-fashion-mnist
  xvfb xauth libgl1-mesa-dri fonts-dejavu-core poppler-utils
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # LibTorch calls whatever libblas.so.3 is selected; the reference BLAS is ~10x slower and
  # pthread OpenBLAS over-subscribes the cores beside LibTorch's OpenMP threads.
  local blas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
  if [ -e "$blas" ] && [ "$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null)" != "$blas" ]; then
    as_root update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null
  fi
}

build() {
  local preset=${1:-release}
  [ -f "build/$preset/CMakeCache.txt" ] || cmake --preset "$preset"
  cmake --build --preset "$preset" -j"$(nproc)"
}

# Sanitizer reports must fail the run: abort on the first one, and let UBSan stop too.
# Leaks are not checked: LibTorch and Qt keep process-lifetime allocations on purpose.
export_sanitizer_options() {
  export ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=0:detect_odr_violation=0
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # Qt Test's per-function watchdog (5 minutes) is sized for optimised builds.
  export QTEST_FUNCTION_TIMEOUT=1800000
}

# clang-tidy (.clang-tidy) covers the libraries whose code is clean under it; a folder joins
# this list once its functions are within the limits.
TIDY_DIRS=(core/base core/numeric core/data core/model core/analysis)

# The commit the changed files are taken from: the merge-base with origin/main on a branch; on
# main itself, or without an origin, the last STRATA_TIDY_COMMITS commits (default 1). Nothing
# when that history is missing (a shallow clone).
tidy_base() {
  local base
  if base=$(git merge-base HEAD origin/main 2>/dev/null) && [ "$base" != "$(git rev-parse HEAD)" ]; then
    echo "$base"
  else
    git rev-parse -q --verify "HEAD~${STRATA_TIDY_COMMITS:-1}^{commit}" 2>/dev/null || true
  fi
}

# Sources to check, one a line: those changed since the base (committed or not) and the
# sources of changed headers, within TIDY_DIRS and known to the compilation database;
# STRATA_TIDY_ALL=1 takes every source there.
tidy_files() {
  local db=$1 f
  {
    if [ "${STRATA_TIDY_ALL:-0}" = 1 ]; then
      git ls-files -- "${TIDY_DIRS[@]}"
    else
      git diff --name-only --diff-filter=d "$2" -- "${TIDY_DIRS[@]}"
    fi
  } | while read -r f; do
    case "$f" in
      *.h) f=${f%.h}.cpp ;;
      *.cpp) ;;
      *) continue ;;
    esac
    [ -f "$f" ] && grep -qF "\"$PWD/$f\"" "$db" && echo "$f"
  done | sort -u
}

lint_tidy() {
  command -v clang-tidy >/dev/null || install_missing_packages
  local db=build/release/compile_commands.json
  if [ ! -f "$db" ]; then
    install_missing_packages
    cmake --preset release >/dev/null
  fi
  local base files
  base=$(tidy_base)
  if [ -z "$base" ] && [ "${STRATA_TIDY_ALL:-0}" != 1 ]; then
    echo "clang-tidy: no earlier commit to compare with (shallow clone?); STRATA_TIDY_ALL=1" \
      "checks every source (about 5 minutes on 2 cores)"
    return
  fi
  mapfile -t files < <(tidy_files "$db" "$base")
  if [ ${#files[@]} -eq 0 ]; then
    echo "clang-tidy: no changed sources in ${TIDY_DIRS[*]}"
    return
  fi
  # About 6 s of wall time per file on 2 cores: past STRATA_TIDY_MAX files (0: no limit) the
  # rest are named, not checked, so the lane stays within CI's time.
  local max=${STRATA_TIDY_MAX:-25}
  if [ "$max" -gt 0 ] && [ ${#files[@]} -gt "$max" ]; then
    echo "clang-tidy: ${#files[@]} changed sources; not checked this run (over $max):"
    printf '  %s\n' "${files[@]:$max}"
    files=("${files[@]:0:$max}")
  fi
  echo "clang-tidy: ${#files[@]} file(s) in ${TIDY_DIRS[*]}"
  # One file per process, as many processes as cores: a LibTorch or Eigen file takes 10-30 s.
  if ! printf '%s\n' "${files[@]}" |
    xargs -n1 -P "$(nproc)" clang-tidy -p build/release --quiet 2> >(grep -v 'warnings generated' >&2); then
    echo "clang-tidy: the findings above are errors (.clang-tidy)" >&2
    exit 1
  fi
  echo "clang-tidy: clean"
}

case "${1:-}" in
  run)
    install_missing_packages
    build
    shift
    exec build/release/app/strata "$@"
    ;;
  test)
    install_missing_packages
    build
    # Rendering tests need an X server; the others run offscreen inside the same one.
    export OMP_WAIT_POLICY=PASSIVE
    xvfb-run -a -s "-screen 0 1600x1000x24" ctest --preset release -j2 --timeout 600
    ;;
  fuzz)
    # A libFuzzer campaign over every reader: tools/dev.sh fuzz [SECONDS] [TARGET...]
    PACKAGES+=(clang libclang-rt-14-dev)
    install_missing_packages
    shift
    exec tools/fuzz.sh "$@"
    ;;
  lint)
    # Formatting of every C++ file the repository tracks (.clang-format), then clang-tidy
    # (.clang-tidy) on the changed sources of TIDY_DIRS.
    command -v clang-format >/dev/null || install_missing_packages
    git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror
    echo "clang-format: clean"
    lint_tidy
    ;;
  asan)
    # The core, model, command-line and fuzz-replay tests built with ASan + UBSan.
    install_missing_packages
    build asan
    export OMP_WAIT_POLICY=PASSIVE
    export_sanitizer_options
    xvfb-run -a -s "-screen 0 1600x1000x24" \
      ctest --preset asan -j2 --timeout 1800 -L "${STRATA_ASAN_LABELS:-core|model|process|fuzz}"
    ;;
  *)
    echo "usage: tools/dev.sh run|test|asan|lint|fuzz [SECONDS]" >&2
    exit 2
    ;;
esac
