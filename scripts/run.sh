#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds in release mode and
# runs the default job. Extra arguments go to `mixrl`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
swift build -c release --product mixrl
if [ $# -gt 0 ]; then exec .build/release/mixrl "$@"; fi
exec .build/release/mixrl bench gemm
