#!/usr/bin/env bash
# The main job: build, then walk the seeds' examples: the activations and ReLU's derivative, the
# SimpleNN / SimpleCNN / Keras models printed as PyTorch prints them, and a ReLU MLP (5 epochs) and
# CNN (1 epoch) trained on Fashion-MNIST (Debian's dataset-fashion-mnist, installed by deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/ramp_seeds
echo
./build/ramp_simple_nets
echo
./build/ramp_train_fashion_mnist both
