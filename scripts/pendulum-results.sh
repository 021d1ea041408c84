#!/usr/bin/env bash
# Reruns the Pendulum-v1 learning check of docs/results.md: 3 seeds x (Gaussian RP,
# mixture K=5 MRP, mixture K=5 LR) at 20k steps, two runs at a time, then the report.
# About 30 CPU-minutes. Usage: bash scripts/pendulum-results.sh [OUTPUT_FOLDER]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-sweeps/pendulum-20k}"
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
swift build -c release --product mixrl
.build/release/mixrl sweep scripts/specs/pendulum-20k.toml --set "sweep.out=\"$out\""
