#!/usr/bin/env bash
# Installs the Debian packages ramp needs, only those missing. Sourced by run.sh and test.sh.
set -euo pipefail
RAMP_PACKAGES=(cmake ninja-build g++ pkg-config libhwy-dev libsleef-dev libgtest-dev libomp-dev
  pybind11-dev python3-dev python3-numpy python3-pytest python3-torch libtorch-dev libdlpack-dev libopenblas-openmp-dev
  nlohmann-json3-dev zlib1g-dev libminizip-dev dataset-fashion-mnist libdnnl-dev)
missing=()
for p in "${RAMP_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ramp: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
