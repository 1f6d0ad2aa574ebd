#!/usr/bin/env bash
# Builds the benchmarks and runs each twice: against PyTorch's default CPU kernels (AVX2 on
# Debian's build) and against its AVX-512 ones (ATEN_CPU_CAPABILITY=avx512). PyTorch reads that
# variable once per process, so the two are two processes; every ratio is still taken within one
# process, on the same buffers. Prints markdown (docs/benchmarks.md holds one run of it).
#
#   bash bench/run.sh                        # every table: activations, autograd, then nn (~4 minutes after the build)
#   bash bench/run.sh activations [ARGS]     # ramp_bench only (bench/bench_activations.cpp; see ramp_bench --help)
#   bash bench/run.sh autograd [ARGS]        # ramp_bench_autograd only (bench/bench_autograd.cpp; see --help)
#   bash bench/run.sh nn [ARGS]              # ramp_bench_nn only (bench/bench_nn.cpp: layer ops, the CNN step)
#   bash bench/run.sh train [ARGS]           # ramp_bench_train only (bench/bench_train.cpp: the MLP step via nn modules)
#   (Python, the same steps through both Python APIs: bench/bench_train.py, see its docstring)
#   bash bench/run.sh --rounds 9             # with no name, ARGS go to each (--rounds, --sample-ms)
#   BUILD=build-bench bash bench/run.sh      # build directory (default build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}

which=all
case "${1:-}" in
  activations | autograd | nn | train) which=$1; shift ;;
esac
targets=()
[[ $which == all || $which == activations ]] && targets+=(ramp_bench)
[[ $which == all || $which == autograd ]] && targets+=(ramp_bench_autograd)
[[ $which == all || $which == nn ]] && targets+=(ramp_bench_nn)
[[ $which == all || $which == train ]] && targets+=(ramp_bench_train)

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMP_PYTHON=OFF -DRAMP_TESTS=OFF >/dev/null
ninja -C "$BUILD" -j2 "${targets[@]}" >/dev/null

echo "ramp $(git describe --always --dirty 2>/dev/null || echo '(no git)'), $(date -u '+%Y-%m-%d %H:%M UTC')"

if [[ $which == all || $which == activations ]]; then
  # One BLAS thread (no GEMM runs here, but a BLAS pool would otherwise start beside OpenMP's).
  echo
  OPENBLAS_NUM_THREADS=1 "$BUILD/ramp_bench" "$@"
  echo
  OPENBLAS_NUM_THREADS=1 ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench" "$@"
fi

if [[ $which == all || $which == autograd ]]; then
  # The MLP step's GEMMs run on OpenBLAS's OpenMP build (ramp links it; libtorch's libblas.so.3 is
  # the same library here), which follows the thread count the bench sets for both libraries:
  # OPENBLAS_NUM_THREADS must stay unset, or BLAS would run one thread whatever that count.
  echo
  env -u OPENBLAS_NUM_THREADS "$BUILD/ramp_bench_autograd" "$@"
  echo
  env -u OPENBLAS_NUM_THREADS ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench_autograd" "$@"
fi

if [[ $which == all || $which == nn ]]; then
  # Convolutions run on oneDNN in both libraries (OpenMP, following the thread count the bench
  # sets); ramp's float64 ones and both libraries' matrix products on OpenBLAS's OpenMP build, so
  # OPENBLAS_NUM_THREADS stays unset here too. PyTorch's convolutions are oneDNN's whatever
  # ATEN_CPU_CAPABILITY says; its pooling and pointwise kernels follow it.
  echo
  env -u OPENBLAS_NUM_THREADS "$BUILD/ramp_bench_nn" "$@"
  echo
  env -u OPENBLAS_NUM_THREADS ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench_nn" "$@"
fi

if [[ $which == all || $which == train ]]; then
  # float32 GEMM: oneDNN's sgemm in ramp, OpenBLAS in PyTorch (both OpenMP, unset thread variables).
  echo
  env -u OPENBLAS_NUM_THREADS "$BUILD/ramp_bench_train" "$@"
  echo
  env -u OPENBLAS_NUM_THREADS ATEN_CPU_CAPABILITY=avx512 "$BUILD/ramp_bench_train" "$@"
fi
