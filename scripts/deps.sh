#!/usr/bin/env bash
# Installs the Debian packages ramp needs, only those missing: `deps.sh` what ramp itself builds and
# runs on (the main job, an installed ramp), `deps.sh test` also what the tests and benchmarks
# compare against (PyTorch 1.13 and libtorch, ~200 MB) and run on (GoogleTest, pytest, mpmath,
# headless chromium to render the study report).
set -euo pipefail
RAMP_PACKAGES=(cmake ninja-build g++ pkg-config libhwy-dev libsleef-dev libomp-dev
  pybind11-dev python3-dev python3-numpy libdlpack-dev libopenblas-openmp-dev
  nlohmann-json3-dev zlib1g-dev libminizip-dev dataset-fashion-mnist libdnnl-dev libcli11-dev libgloo-dev)
RAMP_TEST_PACKAGES=(libgtest-dev python3-pytest python3-mpmath python3-torch libtorch-dev
  chromium)
wanted=("${RAMP_PACKAGES[@]}")
[ "${1:-}" = test ] && wanted+=("${RAMP_TEST_PACKAGES[@]}")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ramp: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
