#!/usr/bin/env bash
# Runs the portable regression guard (GoldenRegressionTests) under several OpenBLAS
# kernels on this CPU and prints how far each lands from the golden file, to show that
# the guard's tolerance holds across BLAS kernels. Not part of CI (CI leaves
# OPENBLAS_CORETYPE alone). Needs a release build with tests: bash scripts/build.sh --tests
#
#   bash scripts/golden-cross-check.sh [CORE ...]    default: Haswell Zen SandyBridge
#
# A core this CPU cannot run (for example SkylakeX without AVX-512) makes OpenBLAS fall
# back to another; the printed "OpenBLAS <core>" says which kernel really ran.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(Haswell Zen SandyBridge)
export OPENBLAS_NUM_THREADS=1
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(grep -m1 'cpu family' /proc/cpuinfo | tr -s ' \t' ' '), AVX-512: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
status=0
for core in "${cores[@]}"; do
    log=$(mktemp)
    if OPENBLAS_CORETYPE="$core" swift test -c release --skip-build --filter 'metricsMatchTheGoldenFileWithinRoundingDrift' >"$log" 2>&1; then
        verdict=pass
    else
        verdict=FAIL; status=1
    fi
    printf '%-12s %-4s %s\n' "$core" "$verdict" "$(grep -o 'golden-deviation: .*' "$log" | head -1)"
    rm -f "$log"
done
exit $status
