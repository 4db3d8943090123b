// BatchNorm with the batch's own statistics over every axis but the last (the channels), and its gradient: the
// training-mode kernels of @vitkit/core's ops/batch-norm.ts. Composed from tfjs ops, one BatchNorm is about twenty
// kernels each way (moments, their gradients through the mean and the variance), each a full pass over the
// activations; here it is three passes forward and two backward. Statistics are summed in double per channel, one
// partial row per thread, added up after the join.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

#define GRAIN_ELEMS ((int64_t)1 << 14)

typedef struct {
  const float *x, *dy, *mean, *scale, *shift;
  float *out;
  double *partial;  // [chunk][2·c]
  size_t c;
} bn_job;

static int64_t grain_rows(size_t c) { return (int64_t)c >= GRAIN_ELEMS ? 1 : GRAIN_ELEMS / (int64_t)(c > 0 ? c : 1); }

// partial[0..c) += x
static void sum_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  const bn_job *j = ctx;
  double *s = j->partial + (size_t)chunk * 2 * j->c;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + (size_t)r * j->c;
    for (size_t k = 0; k < j->c; k++) s[k] += xr[k];
  }
}

// partial[0..c) += (x − μ)², the deviation rounded to float as tf.moments does
static void squared_deviation_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  const bn_job *j = ctx;
  double *s = j->partial + (size_t)chunk * 2 * j->c;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + (size_t)r * j->c;
    for (size_t k = 0; k < j->c; k++) {
      float d = xr[k] - j->mean[k];
      s[k] += d * d;
    }
  }
}

// out = (x − μ)·scale + shift, with scale = γ/√(σ² + eps)
static void normalize_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const bn_job *j = ctx;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + (size_t)r * j->c;
    float *yr = j->out + (size_t)r * j->c;
    for (size_t k = 0; k < j->c; k++) yr[k] = (xr[k] - j->mean[k]) * j->scale[k] + j->shift[k];
  }
}

// partial[0..c) += dy, partial[c..2c) += dy·x̂ with x̂ = (x − μ)·rstd (scale holds rstd here)
static void grad_sum_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  const bn_job *j = ctx;
  double *s = j->partial + (size_t)chunk * 2 * j->c, *sx = s + j->c;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + (size_t)r * j->c, *dyr = j->dy + (size_t)r * j->c;
    for (size_t k = 0; k < j->c; k++) {
      s[k] += dyr[k];
      sx[k] += dyr[k] * ((xr[k] - j->mean[k]) * j->scale[k]);
    }
  }
}

// dx = γ·rstd·(dy − Σdy/n − x̂·Σ(dy·x̂)/n): the gradient through x̂ and through the batch's μ and σ² (per channel: coef =
// γ·rstd, mean_dy = Σdy/n, mean_dyxh = Σ(dy·x̂)/n)
typedef struct {
  const float *x, *dy, *mean, *rstd, *coef, *mean_dy, *mean_dyxh;
  float *dx;
  size_t c;
} bn_dx_job;

static void dx_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const bn_dx_job *j = ctx;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + (size_t)r * j->c, *dyr = j->dy + (size_t)r * j->c;
    float *dxr = j->dx + (size_t)r * j->c;
    for (size_t k = 0; k < j->c; k++) {
      float xh = (xr[k] - j->mean[k]) * j->rstd[k];
      dxr[k] = j->coef[k] * (dyr[k] - j->mean_dy[k] - xh * j->mean_dyxh[k]);
    }
  }
}

// Runs fn over the rows with zeroed partial sums; total[k] (k < 2c) = Σ over the chunks.
static void reduce_rows(bn_job *job, int64_t rows, vk_range_fn fn, int chunks, double *total) {
  memset(job->partial, 0, sizeof(double) * (size_t)chunks * 2 * job->c);
  vk_parallel_for(rows, grain_rows(job->c), fn, job);
  memset(total, 0, sizeof(double) * 2 * job->c);
  for (int ch = 0; ch < chunks; ch++)
    for (size_t k = 0; k < 2 * job->c; k++) total[k] += job->partial[(size_t)ch * 2 * job->c + k];
}

// batchNorm(x, gamma, beta, y, mean, variance, eps): statistics over the rows of x (rows of c = gamma's length)
napi_value vk_batch_norm(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 7, argv);
  size_t x_len, g_len, b_len, y_len, m_len, v_len;
  float *x = f32_arg(env, argv[0], &x_len, "batchNorm: x must be a Float32Array");
  if (!x) return NULL;
  float *g = f32_arg(env, argv[1], &g_len, "batchNorm: gamma must be a Float32Array");
  if (!g) return NULL;
  float *b = f32_arg(env, argv[2], &b_len, "batchNorm: beta must be a Float32Array");
  if (!b) return NULL;
  float *y = f32_arg(env, argv[3], &y_len, "batchNorm: y must be a Float32Array");
  if (!y) return NULL;
  float *mean = f32_arg(env, argv[4], &m_len, "batchNorm: mean must be a Float32Array");
  if (!mean) return NULL;
  float *var = f32_arg(env, argv[5], &v_len, "batchNorm: variance must be a Float32Array");
  if (!var) return NULL;
  const double eps = num_arg(env, argv[6]);
  const size_t c = g_len, rows = c ? x_len / c : 0;
  if (c == 0 || rows == 0 || x_len != rows * c || b_len != c || y_len != x_len || m_len != c || v_len != c) {
    napi_throw_range_error(env, NULL, "batchNorm: x (whole rows of gamma's length, at least one), beta, y, mean and variance do not agree in size");
    return NULL;
  }
  const int chunks = vk_pool_threads();
  double *partial = malloc(sizeof(double) * ((size_t)chunks * 2 * c + 2 * c));
  float *scale = malloc(sizeof(float) * 2 * c);
  if (!partial || !scale) {
    free(partial);
    free(scale);
    napi_throw_error(env, NULL, "batchNorm: out of memory");
    return NULL;
  }
  double *total = partial + (size_t)chunks * 2 * c;
  bn_job job = {.x = x, .mean = mean, .scale = scale, .shift = b, .out = y, .partial = partial, .c = c};
  reduce_rows(&job, (int64_t)rows, sum_rows, chunks, total);
  for (size_t k = 0; k < c; k++) mean[k] = (float)(total[k] / (double)rows);
  reduce_rows(&job, (int64_t)rows, squared_deviation_rows, chunks, total);
  for (size_t k = 0; k < c; k++) {
    var[k] = (float)(total[k] / (double)rows);
    // as the composed op: rsqrt(σ² + eps) in float, then times γ
    scale[k] = (1.f / sqrtf(var[k] + (float)eps)) * g[k];
  }
  vk_parallel_for((int64_t)rows, grain_rows(c), normalize_rows, &job);
  free(partial);
  free(scale);
  return undefined_value(env);
}

// batchNormAffine(x, mean, scale, shift, y): y = (x − mean)·scale + shift per channel (rows of mean's length), one
// pass. tfjs's FusedBatchNorm (BatchNorm with fixed statistics, eval mode) with scale = γ/√(σ² + eps) folded by the
// caller; composed from tfjs ops it was four passes (sub, mul, add and the rsqrt's broadcast).
napi_value vk_batch_norm_affine(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 5, argv);
  F32(0, x, "batchNormAffine: x must be a Float32Array");
  F32(1, mean, "batchNormAffine: mean must be a Float32Array");
  F32(2, scale, "batchNormAffine: scale must be a Float32Array");
  F32(3, shift, "batchNormAffine: shift must be a Float32Array");
  F32(4, y, "batchNormAffine: y must be a Float32Array");
  const size_t c = mean_len, rows = c ? x_len / c : 0;
  if (c == 0 || x_len != rows * c || scale_len != c || shift_len != c || y_len != x_len) {
    napi_throw_range_error(env, NULL, "batchNormAffine: x (whole rows of mean's length), scale, shift and y do not agree in size");
    return NULL;
  }
  bn_job job = {.x = x, .mean = mean, .scale = scale, .shift = shift, .out = y, .c = c};
  vk_parallel_for((int64_t)rows, grain_rows(c), normalize_rows, &job);
  return undefined_value(env);
}

// batchNormGrad(dy, x, mean, variance, gamma, dx, dgamma, dbeta, eps)
napi_value vk_batch_norm_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 9, argv);
  size_t dy_len, x_len, m_len, v_len, g_len, dx_len, dg_len, db_len;
  float *dy = f32_arg(env, argv[0], &dy_len, "batchNormGrad: dy must be a Float32Array");
  if (!dy) return NULL;
  float *x = f32_arg(env, argv[1], &x_len, "batchNormGrad: x must be a Float32Array");
  if (!x) return NULL;
  float *mean = f32_arg(env, argv[2], &m_len, "batchNormGrad: mean must be a Float32Array");
  if (!mean) return NULL;
  float *var = f32_arg(env, argv[3], &v_len, "batchNormGrad: variance must be a Float32Array");
  if (!var) return NULL;
  float *g = f32_arg(env, argv[4], &g_len, "batchNormGrad: gamma must be a Float32Array");
  if (!g) return NULL;
  float *dx = f32_arg(env, argv[5], &dx_len, "batchNormGrad: dx must be a Float32Array");
  if (!dx) return NULL;
  float *dg = f32_arg(env, argv[6], &dg_len, "batchNormGrad: dgamma must be a Float32Array");
  if (!dg) return NULL;
  float *db = f32_arg(env, argv[7], &db_len, "batchNormGrad: dbeta must be a Float32Array");
  if (!db) return NULL;
  const double eps = num_arg(env, argv[8]);
  const size_t c = g_len, rows = c ? x_len / c : 0;
  if (c == 0 || rows == 0 || x_len != rows * c || dy_len != x_len || dx_len != x_len || m_len != c || v_len != c || dg_len != c || db_len != c) {
    napi_throw_range_error(env, NULL, "batchNormGrad: dy, x, mean, variance, gamma, dx, dgamma and dbeta do not agree in size");
    return NULL;
  }
  const int chunks = vk_pool_threads();
  double *partial = malloc(sizeof(double) * ((size_t)chunks * 2 * c + 2 * c));
  float *per_channel = malloc(sizeof(float) * 4 * c);
  if (!partial || !per_channel) {
    free(partial);
    free(per_channel);
    napi_throw_error(env, NULL, "batchNormGrad: out of memory");
    return NULL;
  }
  double *total = partial + (size_t)chunks * 2 * c;
  float *rstd = per_channel, *coef = rstd + c, *mean_dy = coef + c, *mean_dyxh = mean_dy + c;
  for (size_t k = 0; k < c; k++) rstd[k] = 1.f / sqrtf(var[k] + (float)eps);
  bn_job job = {.x = x, .dy = dy, .mean = mean, .scale = rstd, .partial = partial, .c = c};
  reduce_rows(&job, (int64_t)rows, grad_sum_rows, chunks, total);
  for (size_t k = 0; k < c; k++) {
    db[k] = (float)total[k];
    dg[k] = (float)total[c + k];
    mean_dy[k] = (float)(total[k] / (double)rows);
    mean_dyxh[k] = (float)(total[c + k] / (double)rows);
    coef[k] = g[k] * rstd[k];
  }
  bn_dx_job dj = {.x = x, .dy = dy, .mean = mean, .rstd = rstd, .coef = coef, .mean_dy = mean_dy, .mean_dyxh = mean_dyxh, .dx = dx, .c = c};
  vk_parallel_for((int64_t)rows, grain_rows(c), dx_rows, &dj);
  free(partial);
  free(per_channel);
  return undefined_value(env);
}
