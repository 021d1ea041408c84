#ifndef MIXRL_COPENBLAS_SHIM_H
#define MIXRL_COPENBLAS_SHIM_H
// The BLAS and LAPACK entry points MixRL calls, and nothing else: CBLAS and the
// OpenBLAS thread and configuration queries from OpenBLAS, LAPACKE from Debian's
// liblapacke (linked through module.modulemap; the library path comes from
// pkg-config `openblas`). Declared here instead of including <cblas.h> and
// <lapacke.h>, so that Swift sees only what it uses (as swift-numerics' shims do).
//
// Each declaration copies the prototype of OpenBLAS 0.3's cblas.h (32-bit `blasint`)
// or of LAPACKE's lapacke.h (32-bit `lapack_int`). scripts/check-blas-header.sh
// compiles this header after the real ones, where any difference is an error: a
// function redeclared with another type fails to compile, and the constants are
// checked by the static assertions below. BLIS is not declared here: it is optional
// and loaded with dlopen (MixTensor/GemmBackend.swift).

#include <stdint.h>

// The constants' values, written once for both branches below (undefined at the end,
// so Swift does not import them).
#define MIXRL_CBLAS_ROW_MAJOR 101
#define MIXRL_CBLAS_NO_TRANS 111
#define MIXRL_CBLAS_TRANS 112
#define MIXRL_LAPACK_ROW_MAJOR 101

#ifdef CBLAS_H
// Checked against the real cblas.h: same constants, same integer type.
_Static_assert(CblasRowMajor == MIXRL_CBLAS_ROW_MAJOR && CblasNoTrans == MIXRL_CBLAS_NO_TRANS
               && CblasTrans == MIXRL_CBLAS_TRANS, "CBLAS constants differ from MixRL's COpenBLAS shim");
_Static_assert(sizeof(blasint) == sizeof(int), "OpenBLAS built with 64-bit blasint; the shim declares 32-bit");
#else
typedef int blasint;
typedef enum CBLAS_ORDER { CblasRowMajor = MIXRL_CBLAS_ROW_MAJOR } CBLAS_ORDER;
typedef enum CBLAS_TRANSPOSE { CblasNoTrans = MIXRL_CBLAS_NO_TRANS, CblasTrans = MIXRL_CBLAS_TRANS } CBLAS_TRANSPOSE;
#endif

#ifndef LAPACK_ROW_MAJOR
#define LAPACK_ROW_MAJOR 101
#endif
_Static_assert(LAPACK_ROW_MAJOR == MIXRL_LAPACK_ROW_MAJOR, "LAPACK_ROW_MAJOR differs from MixRL's COpenBLAS shim");

// OpenBLAS: threads and build description.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

// CBLAS: general matrix products, row-major.
void cblas_sgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA, const enum CBLAS_TRANSPOSE TransB,
                 const blasint M, const blasint N, const blasint K,
                 const float alpha, const float *A, const blasint lda, const float *B, const blasint ldb,
                 const float beta, float *C, const blasint ldc);
void cblas_dgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA, const enum CBLAS_TRANSPOSE TransB,
                 const blasint M, const blasint N, const blasint K,
                 const double alpha, const double *A, const blasint lda, const double *B, const blasint ldb,
                 const double beta, double *C, const blasint ldc);

// LAPACKE: QR factorization, explicit Q, symmetric eigen-decomposition.
int32_t LAPACKE_sgeqrf(int matrix_layout, int32_t m, int32_t n, float *a, int32_t lda, float *tau);
int32_t LAPACKE_dgeqrf(int matrix_layout, int32_t m, int32_t n, double *a, int32_t lda, double *tau);
int32_t LAPACKE_sorgqr(int matrix_layout, int32_t m, int32_t n, int32_t k, float *a, int32_t lda, const float *tau);
int32_t LAPACKE_dorgqr(int matrix_layout, int32_t m, int32_t n, int32_t k, double *a, int32_t lda, const double *tau);
int32_t LAPACKE_ssyevd(int matrix_layout, char jobz, char uplo, int32_t n, float *a, int32_t lda, float *w);
int32_t LAPACKE_dsyevd(int matrix_layout, char jobz, char uplo, int32_t n, double *a, int32_t lda, double *w);

#undef MIXRL_CBLAS_ROW_MAJOR
#undef MIXRL_CBLAS_NO_TRANS
#undef MIXRL_CBLAS_TRANS
#undef MIXRL_LAPACK_ROW_MAJOR

#endif
