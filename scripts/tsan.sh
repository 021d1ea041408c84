#!/bin/bash
# Runs the tests that use the second critic thread (the twin critics side by side, split
# products) under the thread sanitizer. A separate build folder keeps the sanitized build
# apart from the normal one. Usage: bash scripts/tsan.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
# TSan reports are failures, not warnings.
TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" \
  swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
  --filter 'ParallelismTests|UpdateAllocationTests' "$@"
