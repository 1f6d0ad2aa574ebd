#!/usr/bin/env bash
# Builds the benchmarks and runs each twice: against PyTorch's default CPU kernels (AVX2 on
# Debian's build) and against its AVX-512 ones (ATEN_CPU_CAPABILITY=avx512). PyTorch reads that
# variable once per process, so the two are two processes; every ratio is still taken within one
# process, on the same buffers. Prints markdown (docs/benchmarks.md holds one run of it).
#
#   bash bench/run.sh                        # every table: activations, then autograd (~3 minutes after the build)
#   bash bench/run.sh activations [ARGS]     # ramp_bench only (bench/bench_activations.cpp; see ramp_bench --help)
#   bash bench/run.sh autograd [ARGS]        # ramp_bench_autograd only (bench/bench_autograd.cpp; see --help)
#   bash bench/run.sh --rounds 9             # with no name, ARGS go to both (--rounds, --sample-ms)
#   BUILD=build-bench bash bench/run.sh      # build directory (default build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}

which=all
case "${1:-}" in
  activations | autograd) which=$1; shift ;;
esac
targets=()
[[ $which != autograd ]] && targets+=(ramp_bench)
[[ $which != activations ]] && targets+=(ramp_bench_autograd)

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMP_PYTHON=OFF -DRAMP_TESTS=OFF >/dev/null
ninja -C "$BUILD" -j2 "${targets[@]}" >/dev/null

echo "ramp $(git describe --always --dirty 2>/dev/null || echo '(no git)'), $(date -u '+%Y-%m-%d %H:%M UTC')"

if [[ $which != autograd ]]; then
  # One BLAS thread (no GEMM runs here, but a BLAS pool would otherwise start beside OpenMP's).
  echo
  OPENBLAS_NUM_THREADS=1 "$BUILD/ramp_bench" "$@"
  echo
  OPENBLAS_NUM_THREADS=1 ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench" "$@"
fi

if [[ $which != activations ]]; then
  # The MLP step's GEMMs run on OpenBLAS's OpenMP build (ramp links it; libtorch's libblas.so.3 is
  # the same library here), which follows the thread count the bench sets for both libraries:
  # OPENBLAS_NUM_THREADS must stay unset, or BLAS would run one thread whatever that count.
  echo
  env -u OPENBLAS_NUM_THREADS "$BUILD/ramp_bench_autograd" "$@"
  echo
  env -u OPENBLAS_NUM_THREADS ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench_autograd" "$@"
fi
