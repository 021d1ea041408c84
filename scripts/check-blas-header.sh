#!/usr/bin/env bash
# Checks that Modules/COpenBLAS/shim.h, which declares the BLAS and LAPACK functions
# MixRL calls instead of exporting all of cblas.h and lapacke.h, agrees with the
# installed headers: the shim is compiled after them, so a prototype that differs is
# a "conflicting types" error and a constant that differs fails a static assertion.
# Needs a C compiler and pkg-config (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cc=${CC:-$(command -v cc || command -v clang)}
# Alone, as Swift's module map reads it.
"$cc" -std=c11 -fsyntax-only -Wall -Werror -x c Modules/COpenBLAS/shim.h
# After the real headers, where every declaration and constant must agree with theirs.
# shellcheck disable=SC2046  # pkg-config prints several flags
"$cc" -std=c11 -fsyntax-only -Wall -Werror $(pkg-config --cflags openblas) -x c - <<'C'
#include <cblas.h>
#include <lapacke.h>
#include "Modules/COpenBLAS/shim.h"
C
echo "check-blas-header: Modules/COpenBLAS/shim.h agrees with cblas.h and lapacke.h"
