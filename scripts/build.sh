#!/usr/bin/env bash
# The one release build that scripts/run.sh and scripts/test.sh share.
#
#   bash scripts/build.sh           the library and the mixrl executable
#   bash scripts/build.sh --tests   the same and the test targets
#
# Both forms compile the package's modules with the same flags (in release, testability is off;
# the tests use `package` access, not @testable), so the one builds on what the other
# left and neither recompiles the package after the other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

flags=(-c release)
case "${1:-}" in
    --tests) swift build "${flags[@]}" --build-tests ;;
    "") swift build "${flags[@]}" ;;
    *) echo "usage: bash scripts/build.sh [--tests]" >&2; exit 2 ;;
esac
