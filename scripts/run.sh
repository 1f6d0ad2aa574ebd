#!/usr/bin/env bash
# The main job: build, then `ramp study` (quick versions of all experiments: activations, gradient
# flow, born-dead nets, dying ReLU and its remedies, activation variants, exploding gradients) on
# Fashion-MNIST (Debian's dataset-fashion-mnist, installed by deps.sh), writing study/*.json and
# study/report.html. The seeds' examples stay available as their own commands (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
start=$(date +%s)
./build/ramp study --out study
echo "ramp study: $(( $(date +%s) - start )) s; open $(pwd)/study/report.html in a browser (it works offline)"
echo "the seeds' examples: ./build/ramp_seeds; ./build/ramp_simple_nets; ./build/ramp_train_fashion_mnist both"
