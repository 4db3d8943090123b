#include "sgemm.h"
#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include "parallel.h"
#ifdef VITKIT_ONEDNN
#include <dnnl.h>
#include <omp.h>
#include <signal.h>
// oneDNN's sgemm (its JIT AVX-512/AVX2 kernels) runs each part where the build has it: 8–12 % more GFLOP/s than
// OpenBLAS 0.3.21's on one core at vitkit's shapes (788×768×256: 115 against 107 GFLOP/s on a Zen 4), except for
// products under ~1M multiply-adds (65×65×64: 85 against 110) and A·Bᵀ with a long k (64×64×12544: 72 against 89),
// which stay on OpenBLAS. gemmLibrary() switches oneDNN off for comparison.
//
// Signals are blocked around each call: oneDNN 2.6.3's JIT sgemm keeps data on the stack below its stack pointer, which
// a signal frame overwrites, so a signal landing in it (a profiler's SIGPROF, node --cpu-prof) corrupted the heap or
// crashed (reproduced in C with an ITIMER_PROF handler). A blocked signal is delivered when the call returns.
static bool gemm_onednn = true;

static bool onednn_suits(bool ta, bool tb, int64_t m, int64_t n, int64_t k) {
  if (m * n * k < ((int64_t)1 << 20)) return false;
  if (tb && !ta) return 2 * k <= (m < n ? m : n);
  return true;
}
#endif

// Below this many multiply-adds a product runs on the calling thread: waking a worker costs more than it saves.
#define PARALLEL_MIN_MACS ((int64_t)1 << 18)
// Parts are whole multiples of this many rows or columns, so every part keeps OpenBLAS's full-width SIMD tiles.
#define PART_ALIGN 16

typedef struct {
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
  const double *ao, *bo, *co;
  const float *bias;  // NULL, or one value per column of C written into it before the product accumulates onto it
  bool split_rows;
} gemm_job;

// Rows [r0, r1) and columns [c0, c1) of C take the bias; the product then adds onto it (beta 1). Each part fills its
// own block on its own thread, just before its GEMM reads it back from cache.
static void fill_bias(const float *bias, float *c, int64_t ldc, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  for (int64_t r = r0; r < r1; r++) memcpy(c + r * ldc + c0, bias + c0, sizeof(float) * (size_t)(c1 - c0));
}

// k = 0: BLAS leaves C untouched only when beta = 1; make the empty sum explicit.
static void scale_c(float beta, float *c, int64_t m, int64_t n, int64_t ldc) {
  for (int64_t r = 0; r < m; r++)
    for (int64_t j = 0; j < n; j++) c[r * ldc + j] = beta == 0 ? 0 : beta * c[r * ldc + j];
}

void vk_sgemm_here(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
                float beta, float *c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scale_c(beta, c, m, n, ldc);
    return;
  }
#ifdef VITKIT_ONEDNN
  if (gemm_onednn && onednn_suits(ta, tb, m, n, k)) {
    // one thread: the parts are already spread over the team (inside it oneDNN stays on the calling thread anyway);
    // the team size is restored for the convolutions, whose primitives divide their work for it when created
    const bool outside = !omp_in_parallel();
    const int team = outside ? omp_get_max_threads() : 1;
    if (outside) omp_set_num_threads(1);
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    const dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (outside) omp_set_num_threads(team);
    if (st == dnnl_success) return;
  }
#endif
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, alpha, a,
              (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

const char *vk_sgemm_library(int use_onednn) {
  static char openblas[128];
  if (!openblas[0]) snprintf(openblas, sizeof openblas, "%s", openblas_get_config());
#ifdef VITKIT_ONEDNN
  if (use_onednn >= 0) gemm_onednn = use_onednn != 0;
  if (gemm_onednn) {
    static char onednn[64];
    const dnnl_version_t *v = dnnl_version();
    snprintf(onednn, sizeof onednn, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
    return onednn;
  }
#else
  (void)use_onednn;
#endif
  return openblas;
}

// Parts [begin, end) of PART_ALIGN rows (or columns) of one product.
static void part_range(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const gemm_job *j = ctx;
  const int64_t total = j->split_rows ? j->m : j->n;
  const int64_t lo = begin * PART_ALIGN, hi = end * PART_ALIGN < total ? end * PART_ALIGN : total;
  if (lo >= hi) return;
  const float beta = j->bias ? 1.f : j->beta;
  if (j->split_rows) {
    // rows lo..hi of op(A): row r of A, or column r of A when A is transposed
    const float *a = j->ta ? j->a + lo : j->a + lo * j->lda;
    if (j->bias) fill_bias(j->bias, j->c, j->ldc, lo, hi, 0, j->n);
    vk_sgemm_here(j->ta, j->tb, hi - lo, j->n, j->k, j->alpha, a, j->lda, j->b, j->ldb, beta, j->c + lo * j->ldc, j->ldc);
  } else {
    // columns lo..hi of op(B): column r of B, or row r of B when B is transposed
    const float *b = j->tb ? j->b + lo * j->ldb : j->b + lo;
    if (j->bias) fill_bias(j->bias, j->c, j->ldc, 0, j->m, lo, hi);
    vk_sgemm_here(j->ta, j->tb, j->m, hi - lo, j->k, j->alpha, j->a, j->lda, b, j->ldb, beta, j->c + lo, j->ldc);
  }
}

// vk_sgemm, with C first set to `bias` in every row when bias is not NULL (beta is then ignored).
static void sgemm_bias(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b,
                       int64_t ldb, float beta, float *c, int64_t ldc, const float *bias) {
  const int threads = vk_pool_threads();
  if (threads <= 1 || m * n * k < PARALLEL_MIN_MACS || m == 0 || n == 0 || k == 0) {
    if (bias) fill_bias(bias, c, ldc, 0, m, 0, n);
    vk_sgemm_here(ta, tb, m, n, k, alpha, a, lda, b, ldb, bias ? 1.f : beta, c, ldc);
    return;
  }
  gemm_job job = {.ta = ta, .tb = tb, .m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc, .alpha = alpha, .beta = beta, .a = a, .b = b, .c = c,
                  .bias = bias};
  job.split_rows = m >= n;
  const int64_t total = job.split_rows ? m : n;
  const int64_t parts = (total + PART_ALIGN - 1) / PART_ALIGN;
  vk_parallel_for(parts, 1, part_range, &job);
}

void vk_sgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
              float beta, float *c, int64_t ldc) {
  sgemm_bias(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NULL);
}

// Products [begin, end) of a batch.
static void product_range(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const gemm_job *j = ctx;
  for (int64_t i = begin; i < end; i++) {
    float *c = j->c + (size_t)j->co[i];
    if (j->bias) fill_bias(j->bias, c, j->ldc, 0, j->m, 0, j->n);
    vk_sgemm_here(j->ta, j->tb, j->m, j->n, j->k, j->alpha, j->a + (size_t)j->ao[i], j->lda, j->b + (size_t)j->bo[i], j->ldb,
                  j->bias ? 1.f : j->beta, c, j->ldc);
  }
}

void vk_sgemm_batched(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, const double *a_offsets, int64_t lda,
                      const float *b, const double *b_offsets, int64_t ldb, float beta, float *c, const double *c_offsets, int64_t ldc,
                      int64_t count, const float *bias) {
  const int threads = vk_pool_threads();
  if (count >= 2 * threads && threads > 1) {
    gemm_job job = {.ta = ta, .tb = tb, .m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc, .alpha = alpha, .beta = beta,
                    .a = a, .b = b, .c = c, .ao = a_offsets, .bo = b_offsets, .co = c_offsets, .bias = bias};
    // enough products for every thread: whole products per thread, unless they are too small to be worth a wake-up
    const int64_t macs = m * n * k;
    const int64_t grain = macs >= PARALLEL_MIN_MACS ? 1 : (PARALLEL_MIN_MACS + macs - 1) / (macs > 0 ? macs : 1);
    vk_parallel_for(count, grain, product_range, &job);
    return;
  }
  for (int64_t i = 0; i < count; i++)
    sgemm_bias(ta, tb, m, n, k, alpha, a + (size_t)a_offsets[i], lda, b + (size_t)b_offsets[i], ldb, beta, c + (size_t)c_offsets[i], ldc, bias);
}
