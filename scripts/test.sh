#!/usr/bin/env bash
# The README's test command: installs what is missing, builds in release mode once and
# runs every test. Numerics run single-threaded (see docs/architecture.md).
#
#   bash scripts/test.sh          both tiers, the Examples package, the docs check and the
#                                 Slurm array test (what CI runs)
#   bash scripts/test.sh --fast   the fast tier only: pure Swift, no Python, no other
#                                 programs started, no Slurm (a few minutes after a build)
#
# One build serves everything: scripts/build.sh compiles the package and its tests with
# the same flags as `bash scripts/run.sh`, so running one after the other recompiles
# nothing. The Examples package is a second, separate build (it must build MixRL the way
# a user's package does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fast=false
case "${1:-}" in
    --fast) fast=true ;;
    "") ;;
    *) echo "usage: bash scripts/test.sh [--fast]" >&2; exit 2 ;;
esac

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }
started=$SECONDS

if $fast; then
    MIXRL_SKIP_VENV=1 bash scripts/setup.sh
    export MIXRL_TEST_TIER=fast
else
    bash scripts/setup.sh
    # A missing virtualenv fails the bridge tests here instead of skipping them.
    export MIXRL_REQUIRE_VENV=1
fi
export OPENBLAS_NUM_THREADS=1
export MIXRL_VENV="${MIXRL_VENV:-$HOME/.cache/mixrl/venv}"

step "BLAS header subset against cblas.h and lapacke.h"
bash scripts/check-blas-header.sh

step "build (release, with tests)"
bash scripts/build.sh --tests

if ! $fast; then
    step "Examples package (MixRL as a library, built from clean)"
    bash scripts/examples-test.sh
    step "documentation check (DocC, from the build's modules)"
    bash scripts/docs.sh --check
    step "Slurm job array (a real single-node Slurm; starts and always stops its daemons)"
    MIXRL="$PWD/.build/release/mixrl" bash scripts/slurm-test.sh
fi

step "swift test$($fast && echo ' (fast tier)')"
swift test -c release --skip-build --disable-testable-imports
echo "test.sh: done in $((SECONDS - started)) s"
