#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds in release mode and
# runs the built-in default sweep (Gaussian RP against K in {2, 5} mixtures under MRP and
# LR, on the bimodal bandit and Pendulum-v1, two seeds; a few minutes on two cores),
# which prints a table and writes sweeps/default/report.html. Extra arguments go to
# `mixrl` instead (for example: bash scripts/run.sh train --env Pendulum-v1 --out runs/p).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
swift build -c release --product mixrl
if [ $# -gt 0 ]; then exec .build/release/mixrl "$@"; fi
exec .build/release/mixrl sweep
