// Multi-head self-attention read straight from the fused qkv projection `[B, N, 3·C]` (C = heads·d, timm's column
// order q | k | v, head h at columns h·d … h·d + d of each) and written straight into `[B, N, C]`: every GEMM takes its
// head's columns through the leading dimension (lda = 3·C or C), so the split into heads, the three head transposes
// and the merge back, which tfjs runs as copies, disappear. One (image, head) pair is one job for the pool: each is a
// few small GEMMs plus a softmax, all on the worker's thread (OpenBLAS runs on one thread, sgemm.h says why).
// OpenBLAS 0.3.21 has no strided batched sgemm, hence one cblas_sgemm per pair and operand.
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include "fast-math.h"
#include "napi-util.h"
#include "parallel.h"
#include "row-reduce.h"
#include "vitkit-native.h"

typedef struct {
  const float *qkv, *probs_in, *dy;
  float *out, *probs, *dqkv, *scratch;
  int64_t tokens, heads, head_dim;
  float scale;
} mha_job;

#define GEMM(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc)                                                            \
  cblas_sgemm(CblasRowMajor, (ta) ? CblasTrans : CblasNoTrans, (tb) ? CblasTrans : CblasNoTrans, (blasint)(m), (blasint)(n), \
              (blasint)(k), (alpha), (a), (blasint)(lda), (b), (blasint)(ldb), 0.f, (c), (blasint)(ldc))

// row ← e^(row − max(row)) in place; returns the sum (in LANES partial sums, as row_sum).
static float exp_shifted_row(float *row, int64_t n) {
  const float mx = row_max(row, n);
  float acc[LANES] = {0};
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += row[k + l] = vk_expf(row[k + l] - mx);
  double s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  for (; k < n; k++) s += row[k] = vk_expf(row[k] - mx);
  return (float)s;
}

// Row-wise softmax in place over n×n scores (max-shifted, as elementwise.c's softmax).
static void softmax_square(float *p, int64_t n) {
  for (int64_t r = 0; r < n; r++) {
    float *row = p + r * n;
    const float inv = 1.f / exp_shifted_row(row, n);
    for (int64_t k = 0; k < n; k++) row[k] *= inv;
  }
}

// Pairs [begin, end) of (image, head): probs = softmax(q·kᵀ·scale), out = probs·v.
static void forward_pairs(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const mha_job *j = ctx;
  const int64_t n = j->tokens, d = j->head_dim, c = j->heads * d;
  for (int64_t i = begin; i < end; i++) {
    const int64_t b = i / j->heads, h = i % j->heads;
    const float *q = j->qkv + b * n * 3 * c + h * d;
    float *p = j->probs + i * n * n;
    GEMM(false, true, n, n, d, j->scale, q, 3 * c, q + c, 3 * c, p, n);
    softmax_square(p, n);
    GEMM(false, false, n, d, n, 1.f, p, n, q + 2 * c, 3 * c, j->out + b * n * c + h * d, c);
  }
}

// The same without keeping the probabilities (nothing will take the gradient): each chunk's scores live in its own
// n×n scratch, stay unnormalised (e^(s − max), summed in the same pass), and the n×d output rows are divided by the
// sums instead of the n×n probabilities. The [B, H, N, N] tensor is never written: for crossvit_9_240 at batch 4 it
// is 10 MB a layer, written to be thrown away.
static void forward_pairs_unsaved(void *ctx, int64_t begin, int64_t end, int chunk) {
  const mha_job *j = ctx;
  const int64_t n = j->tokens, d = j->head_dim, c = j->heads * d;
  float *e = j->scratch + (int64_t)chunk * (n * n + n), *inv = e + n * n;
  for (int64_t i = begin; i < end; i++) {
    const int64_t b = i / j->heads, h = i % j->heads;
    const float *q = j->qkv + b * n * 3 * c + h * d;
    float *out = j->out + b * n * c + h * d;
    GEMM(false, true, n, n, d, j->scale, q, 3 * c, q + c, 3 * c, e, n);
    for (int64_t r = 0; r < n; r++) inv[r] = 1.f / exp_shifted_row(e + r * n, n);
    GEMM(false, false, n, d, n, 1.f, e, n, q + 2 * c, 3 * c, out, c);
    for (int64_t r = 0; r < n; r++)
      for (int64_t k = 0; k < d; k++) out[r * c + k] *= inv[r];
  }
}

// Pairs [begin, end): dv = pᵀ·dy, dp = dy·vᵀ, ds = p ⊙ (dp − Σ_j dp ⊙ p)·scale, dq = ds·k, dk = dsᵀ·q.
// dp and ds share the chunk's own n×n scratch.
static void backward_pairs(void *ctx, int64_t begin, int64_t end, int chunk) {
  const mha_job *j = ctx;
  const int64_t n = j->tokens, d = j->head_dim, c = j->heads * d;
  float *ds = j->scratch + (int64_t)chunk * n * n;
  for (int64_t i = begin; i < end; i++) {
    const int64_t b = i / j->heads, h = i % j->heads;
    const float *q = j->qkv + b * n * 3 * c + h * d;
    const float *dy = j->dy + b * n * c + h * d;
    const float *p = j->probs_in + i * n * n;
    float *dq = j->dqkv + b * n * 3 * c + h * d;
    GEMM(true, false, n, d, n, 1.f, p, n, dy, c, dq + 2 * c, 3 * c);
    GEMM(false, true, n, n, d, 1.f, dy, c, q + 2 * c, 3 * c, ds, n);
    for (int64_t r = 0; r < n; r++) {
      const float *pr = p + r * n;
      float *sr = ds + r * n;
      const float fdot = row_dot(sr, pr, n);
      for (int64_t k = 0; k < n; k++) sr[k] = pr[k] * (sr[k] - fdot) * j->scale;
    }
    GEMM(false, false, n, d, n, 1.f, ds, n, q + c, 3 * c, dq, 3 * c);
    GEMM(true, false, n, d, n, 1.f, ds, n, q, 3 * c, dq + c, 3 * c);
  }
}

// Reads [batch, tokens, heads, headDim] at argv[first…] and checks them against qkv's length; false after throwing.
static bool geometry(napi_env env, napi_value *argv, size_t qkv_len, int64_t *g, const char *name) {
  for (int i = 0; i < 4; i++) g[i] = int_arg(env, argv[i]);
  if (g[0] < 1 || g[1] < 1 || g[2] < 1 || g[3] < 1 || (size_t)(g[0] * g[1] * 3 * g[2] * g[3]) != qkv_len) {
    napi_throw_range_error(env, NULL, name);
    return false;
  }
  return true;
}

// mhaForward(qkv, out, probs, batch, tokens, heads, headDim, scale); probs empty: not kept
napi_value vk_mha_forward(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 8, argv);
  F32(0, qkv, "mhaForward: qkv must be a Float32Array");
  F32(1, out, "mhaForward: out must be a Float32Array");
  F32(2, probs, "mhaForward: probs must be a Float32Array");
  int64_t g[4];
  if (!geometry(env, argv + 3, qkv_len, g, "mhaForward: qkv must hold batch·tokens·3·heads·headDim values")) return NULL;
  const int64_t pairs = g[0] * g[2], n = g[1];
  if (out_len * 3 != qkv_len || (probs_len != 0 && probs_len != (size_t)(pairs * n * n))) {
    napi_throw_range_error(env, NULL, "mhaForward: out must be [batch, tokens, heads·headDim] and probs [batch, heads, tokens, tokens] or empty");
    return NULL;
  }
  mha_job job = {.qkv = qkv, .out = out, .probs = probs, .tokens = n, .heads = g[2], .head_dim = g[3], .scale = (float)num_arg(env, argv[7])};
  if (probs_len) {
    vk_parallel_for(pairs, 1, forward_pairs, &job);
    return undefined_value(env);
  }
  // an empty probs: the probabilities are not kept (forward_pairs_unsaved)
  job.scratch = malloc(sizeof(float) * (size_t)vk_pool_threads() * (size_t)(n * n + n));
  if (!job.scratch) {
    napi_throw_error(env, NULL, "mhaForward: out of memory");
    return NULL;
  }
  vk_parallel_for(pairs, 1, forward_pairs_unsaved, &job);
  free(job.scratch);
  return undefined_value(env);
}

// mhaBackward(dy, qkv, probs, dqkv, batch, tokens, heads, headDim, scale)
napi_value vk_mha_backward(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 9, argv);
  F32(0, dy, "mhaBackward: dy must be a Float32Array");
  F32(1, qkv, "mhaBackward: qkv must be a Float32Array");
  F32(2, probs, "mhaBackward: probs must be a Float32Array");
  F32(3, dqkv, "mhaBackward: dqkv must be a Float32Array");
  int64_t g[4];
  if (!geometry(env, argv + 4, qkv_len, g, "mhaBackward: qkv must hold batch·tokens·3·heads·headDim values")) return NULL;
  const int64_t pairs = g[0] * g[2];
  if (dy_len * 3 != qkv_len || dqkv_len != qkv_len || probs_len != (size_t)(pairs * g[1] * g[1])) {
    napi_throw_range_error(env, NULL, "mhaBackward: dy must be [batch, tokens, heads·headDim], dqkv qkv's shape and probs [batch, heads, tokens, tokens]");
    return NULL;
  }
  float *scratch = malloc(sizeof(float) * (size_t)vk_pool_threads() * (size_t)(g[1] * g[1]));
  if (!scratch) {
    napi_throw_error(env, NULL, "mhaBackward: out of memory");
    return NULL;
  }
  mha_job job = {.dy = dy, .qkv = qkv, .probs_in = probs, .dqkv = dqkv, .scratch = scratch, .tokens = g[1], .heads = g[2], .head_dim = g[3],
                 .scale = (float)num_arg(env, argv[8])};
  vk_parallel_for(pairs, 1, backward_pairs, &job);
  free(scratch);
  return undefined_value(env);
}
