#!/usr/bin/env bash
# Set up, build, run and test Strata on Debian 12.
#   tools/dev.sh run    install missing packages, build (Release), launch Strata
#   tools/dev.sh test   install missing packages, build, run every test through CTest
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  qt6-base-dev libqt6opengl6-dev qt6-svg-dev libgl-dev
  libvtk9-dev libeigen3-dev libfftw3-dev zlib1g-dev libgif-dev libhnswlib-dev
  libtorch-dev libopenblas0-openmp
  python3-torch python3-numpy python3-sklearn umap-learn python3-pynndescent
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
  [ -f build/release/CMakeCache.txt ] || cmake --preset release
  cmake --build --preset release -j"$(nproc)"
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
  *)
    echo "usage: tools/dev.sh run|test" >&2
    exit 2
    ;;
esac
