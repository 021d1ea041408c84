#ifndef MIXRL_COPENBLAS_SHIM_H
#define MIXRL_COPENBLAS_SHIM_H
// The BLAS and LAPACK entry points MixRL uses: CBLAS from OpenBLAS (its cblas.h
// also declares openblas_set_num_threads) and LAPACKE from Debian's liblapacke.
// Include paths come from pkg-config `openblas`; nothing here is absolute.
#include <cblas.h>
#include <lapacke.h>
#endif
