// Row-major single-precision GEMM spread over vitkit's thread pool (parallel.h), each part an OpenBLAS call on one
// thread. OpenBLAS's own threads stay off: two pools on the same cores, one spinning between GEMMs while the other
// runs the element-wise kernels, made a second thread slower than none (BENCHMARKS.md, "One thread pool").
#ifndef VITKIT_SGEMM_H
#define VITKIT_SGEMM_H
#include <stdbool.h>
#include <stdint.h>

/** C = alpha·op(A)·op(B) + beta·C, split over rows (or columns, when C is wide) across the pool. */
void vk_sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
              float beta, float *c, int64_t ldc);

/** The same product on the calling thread only (inside a pool job, whose parts are already spread over the threads). */
void vk_sgemm_here(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
                   float beta, float *c, int64_t ldc);

/**
 * count independent products at the given element offsets: split over the products when there are enough of them. With
 * a bias (n values, else NULL) every row of each C starts as the bias and the product adds onto it (beta ignored).
 */
void vk_sgemm_batched(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, const double *a_offsets, int64_t lda,
                      const float *b, const double *b_offsets, int64_t ldb, float beta, float *c, const double *c_offsets, int64_t ldc,
                      int64_t count, const float *bias);

/** What the GEMMs run on now ("oneDNN x.y.z" or "OpenBLAS <config>"); use_onednn 1 or 0 switches (oneDNN builds), -1 asks. */
const char *vk_sgemm_library(int use_onednn);

#endif
