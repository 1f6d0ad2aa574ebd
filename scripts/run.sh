#!/usr/bin/env bash
# The main job: build, then walk the seeds' first examples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/ramp_seeds
