#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds in release mode and
# runs the built-in default sweep (Gaussian RP against a K = 5 mixture under MRP and under
# LR with its leave-one-out baseline at equal critic cost, on Pendulum-v1, three seeds; a
# few minutes on two cores), which prints a table and writes sweeps/default/report.html. Extra arguments go to
# `mixrl` instead (for example: bash scripts/run.sh train --env Pendulum-v1 --out runs/p).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
bash scripts/build.sh  # the same build as scripts/test.sh: one after the other recompiles nothing
if [ $# -gt 0 ]; then exec .build/release/mixrl "$@"; fi
exec .build/release/mixrl sweep
