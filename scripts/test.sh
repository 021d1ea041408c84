#!/usr/bin/env bash
# The README's test command: installs what is missing, builds in release mode and runs
# every test. Numerics run single-threaded (see DESIGN.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
export MIXRL_VENV="${MIXRL_VENV:-$HOME/.cache/mixrl/venv}"
swift build -c release
bash scripts/examples-test.sh  # the Examples package: MixRL used as a library, built from clean
bash scripts/docs.sh --check   # the DocC catalog and every doc comment build without a warning
# A real single-node Slurm runs a sweep array (starts and always stops its daemons).
MIXRL="$PWD/.build/release/mixrl" bash scripts/slurm-test.sh
swift test -c release
