#!/usr/bin/env bash
# Runs the portable regression guard (GoldenRegressionTests) under several OpenBLAS
# kernels on this CPU (with MIXRL_GEMM=openblas, so that OpenBLAS does every product), then
# under the BLIS and auto matrix-product backends, and prints how far each lands from the
# golden file: the guard's tolerance must hold across BLAS kernels and libraries. Not part
# of CI (CI leaves OPENBLAS_CORETYPE alone). Needs a release build with tests:
# bash scripts/build.sh --tests
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
check() {  # check LABEL VAR=VALUE...: one run of the guard with those variables
    local label="$1" log; shift
    log=$(mktemp)
    if env "$@" swift test -c release --skip-build --filter 'metricsMatchTheGoldenFileWithinRoundingDrift' >"$log" 2>&1; then
        verdict=pass
    else
        verdict=FAIL; status=1
    fi
    printf '%-24s %-4s %s\n' "$label" "$verdict" "$(grep -o 'golden-deviation: .*' "$log" | head -1)"
    rm -f "$log"
}
for core in "${cores[@]}"; do
    check "OpenBLAS $core" OPENBLAS_CORETYPE="$core" MIXRL_GEMM=openblas
done
for backend in blis auto; do
    check "MIXRL_GEMM=$backend" MIXRL_GEMM="$backend"
done
exit $status
