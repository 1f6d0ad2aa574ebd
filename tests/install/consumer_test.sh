#!/usr/bin/env bash
# ctest's install_consumer: `cmake --install` into a temporary prefix, then configure, build and
# run tests/install/consumer against it (find_package(ramp CONFIG) -> ramp::ramp), and import the
# installed Python package from that prefix with no build tree on the path.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/consumer" > "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
out=$("$tmp/consumer/consumer")
echo "$out"
grep -qF "tensor([0., 0., 2.])" <<< "$out"
grep -qF "(1): ReLU()" <<< "$out"
site=$(find "$tmp/prefix" -type d -name dist-packages | head -1)
if [ -n "$site" ]; then
  cd "$tmp"
  PYTHONPATH="$site" /usr/bin/python3 -c "
import ramp, sys
assert ramp.__file__.startswith('$tmp/prefix'), ramp.__file__
maps = open('/proc/self/maps').read()  # GEMM on OpenBLAS's OpenMP build, not the pthread one
assert 'openblas-openmp' in maps and 'openblas-pthread' not in maps, [l for l in maps.split() if 'blas' in l]
print('python:', ramp.__file__, ramp.relu(ramp.tensor([-1.0, 2.0])))"
fi
