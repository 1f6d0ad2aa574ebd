#!/usr/bin/env bash
# Builds ramp_bench and runs it twice: against PyTorch's default CPU kernels (AVX2 on Debian's
# build) and against its AVX-512 ones (ATEN_CPU_CAPABILITY=avx512). PyTorch reads that variable
# once per process, so the two are two processes; every ratio is still taken within one process,
# on the same buffers. Prints markdown (docs/benchmarks.md holds one run of it).
#
#   bash bench/run.sh                      # both runs, ~1 minute after the build
#   bash bench/run.sh --rounds 9           # extra arguments go to both runs (see ramp_bench --help)
#   BUILD=build-bench bash bench/run.sh    # build directory (default build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMP_PYTHON=OFF -DRAMP_TESTS=OFF >/dev/null
ninja -C "$BUILD" -j2 ramp_bench >/dev/null

# One BLAS thread (Debian's OpenBLAS is the pthread build; no GEMM runs here, but its pool would
# otherwise start beside OpenMP's).
export OPENBLAS_NUM_THREADS=1

echo "ramp $(git describe --always --dirty 2>/dev/null || echo '(no git)'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
"$BUILD/ramp_bench" "$@"
echo
ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench" "$@"
