#!/usr/bin/env bash
# Every test: the C++ suite (ctest), then the Python suite (pytest with Debian's python3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh test
ctest --test-dir build --output-on-failure -j "$(nproc)"
PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests -q
