// Batched single-precision GEMM on OpenBLAS: C[i] = alpha·op(A[i])·op(B[i]) + beta·C[i] for row-major operands at
// arbitrary element offsets (so broadcast batches and views need no copies) and transposes passed as CblasTrans.
#include <cblas.h>
#include <stdio.h>
#include "napi-util.h"
#include "parallel.h"
#include "sgemm.h"
#include "vitkit-native.h"

// Last element index touched by a row-major rows×cols operand with leading dimension ld, plus one.
static size_t extent(int64_t rows, int64_t cols, int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : (size_t)((rows - 1) * ld + cols);
}

// gemmBatched(transA, transB, m, n, k, alpha, a, aOffsets, lda, b, bOffsets, ldb, beta, c, cOffsets, ldc[, bias]): bias absent or null,
// or n values every row of each C starts from (beta ignored), written by the thread that computes those rows
napi_value vk_gemm_batched(napi_env env, napi_callback_info info) {
  // the bias may be left out (undefined)
  size_t argc = 17;
  napi_value argv[17];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 16) {
    napi_throw_type_error(env, NULL, "vitkit native: wrong number of arguments");
    return NULL;
  }
  if (argc < 17) napi_get_undefined(env, &argv[16]);
  bool ta = bool_arg(env, argv[0]), tb = bool_arg(env, argv[1]);
  int64_t m = int_arg(env, argv[2]), n = int_arg(env, argv[3]), k = int_arg(env, argv[4]);
  float alpha = (float)num_arg(env, argv[5]), beta = (float)num_arg(env, argv[12]);
  int64_t lda = int_arg(env, argv[8]), ldb = int_arg(env, argv[11]), ldc = int_arg(env, argv[15]);
  size_t alen, blen, clen, na, nb, nc;
  float *a = f32_arg(env, argv[6], &alen, "gemmBatched: a must be a Float32Array");
  if (!a) return NULL;
  double *ao = f64_arg(env, argv[7], &na, "gemmBatched: aOffsets must be a Float64Array");
  if (!ao) return NULL;
  float *b = f32_arg(env, argv[9], &blen, "gemmBatched: b must be a Float32Array");
  if (!b) return NULL;
  double *bo = f64_arg(env, argv[10], &nb, "gemmBatched: bOffsets must be a Float64Array");
  if (!bo) return NULL;
  float *c = f32_arg(env, argv[13], &clen, "gemmBatched: c must be a Float32Array");
  if (!c) return NULL;
  double *co = f64_arg(env, argv[14], &nc, "gemmBatched: cOffsets must be a Float64Array");
  if (!co) return NULL;
  const float *bias = NULL;
  napi_valuetype bias_type;
  napi_typeof(env, argv[16], &bias_type);
  if (bias_type != napi_null && bias_type != napi_undefined) {
    size_t bias_len;
    bias = f32_arg(env, argv[16], &bias_len, "gemmBatched: bias must be a Float32Array or null");
    if (!bias) return NULL;
    if (bias_len != (size_t)(n > 0 ? n : 0)) {
      napi_throw_range_error(env, NULL, "gemmBatched: bias must hold one value per column of C (n)");
      return NULL;
    }
  }
  if (na != nb || na != nc) {
    napi_throw_range_error(env, NULL, "gemmBatched: aOffsets, bOffsets and cOffsets must have one entry per product");
    return NULL;
  }
  if (m < 0 || n < 0 || k < 0 || lda < (ta ? m : k) || ldb < (tb ? k : n) || ldc < n) {
    napi_throw_range_error(env, NULL, "gemmBatched: negative size or leading dimension smaller than a row");
    return NULL;
  }
  size_t ea = ta ? extent(k, m, lda) : extent(m, k, lda);
  size_t eb = tb ? extent(n, k, ldb) : extent(k, n, ldb);
  size_t ec = extent(m, n, ldc);
  // Bounds first: a wrong offset from JS must be an exception, never a write outside the buffer.
  for (size_t i = 0; i < na; i++) {
    if (ao[i] < 0 || bo[i] < 0 || co[i] < 0 || (size_t)ao[i] + ea > alen || (size_t)bo[i] + eb > blen || (size_t)co[i] + ec > clen) {
      char msg[160];
      snprintf(msg, sizeof msg, "gemmBatched: product %zu reads or writes outside its operands (m=%lld n=%lld k=%lld)", i, (long long)m, (long long)n, (long long)k);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  }
  vk_sgemm_batched(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc, (int64_t)na, bias);
  return undefined_value(env);
}

napi_value vk_set_threads(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 1, argv);
  int64_t t = int_arg(env, argv[0]);
  if (t < 1) {
    napi_throw_range_error(env, NULL, "setThreads: thread count must be >= 1");
    return NULL;
  }
  vk_set_pool_threads((int)t);  // GEMMs and the hand-written loops share this one pool (sgemm.h)
  return undefined_value(env);
}

napi_value vk_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, vk_pool_threads(), &r);
  return r;
}

napi_value vk_blas_config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  const char *cfg = openblas_get_config();
  napi_create_string_utf8(env, cfg ? cfg : "unknown", NAPI_AUTO_LENGTH, &r);
  return r;
}

// gemmLibrary(useOneDnn?): with a boolean, turns oneDNN's sgemm on or off where the build has it (tests and the
// bench compare both); returns what the GEMMs run on now.
napi_value vk_gemm_library(napi_env env, napi_callback_info info) {
  const int use = optional_switch_arg(env, info, "gemmLibrary: the argument must be a boolean or absent");
  if (use == -2) return NULL;
  napi_value r;
  napi_create_string_utf8(env, vk_sgemm_library(use), NAPI_AUTO_LENGTH, &r);
  return r;
}
