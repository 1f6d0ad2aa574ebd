#!/usr/bin/env bash
# Installs missing packages (`build.sh test`: the test dependencies too), configures build/ (again
# each time: a package installed since then, such as GoogleTest, is picked up), builds
# incrementally, and installs ramp into /usr/local: headers, library and CMake package
# (find_package(ramp CONFIG)), and the Python package, so Debian's /usr/bin/python3 imports ramp
# from any folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh "${1:-}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO cmake --install build --prefix /usr/local > build/install.log
