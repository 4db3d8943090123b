// Fused element-wise kernels no library offers for plain memory with vitkit's contracts (OpenBLAS has none; oneDNN
// has them as primitives with their own memory descriptors and per-call setup): exact GELU and its gradient,
// LayerNorm over the last axis (saving mean and 1/σ per row) and its gradient, and a last-axis softmax.
// Statistics are accumulated in double, like the wasm kernel pack's JS path.
#include <math.h>
#include <string.h>
#include "napi-util.h"
#include <stdlib.h>
#include "cpu-dispatch.h"
#include "fast-math.h"
#include "parallel.h"
#include "row-reduce.h"
#include "vitkit-native.h"

#define GRAIN_ELEMS ((int64_t)1 << 14)
#define GRAIN_ROWS(len) ((int64_t)(len) >= GRAIN_ELEMS ? 1 : GRAIN_ELEMS / ((int64_t)(len) > 0 ? (int64_t)(len) : 1))

typedef struct {
  const float *x, *dy, *g, *b, *mean, *rstd;
  float *y, *dx, *dg, *db;
  size_t d;
  double eps;
} ew_job;

static bool same_len(napi_env env, size_t a, size_t b, const char *what) {
  if (a != b) napi_throw_range_error(env, NULL, what);
  return a == b;
}

VK_CPU_CLONES
static void gelu_range(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const ew_job *j = ctx;
  for (int64_t i = begin; i < end; i++) {
    float v = j->x[i];
    j->y[i] = v * vk_normal_cdf(v);
  }
}

VK_CPU_CLONES
static void gelu_grad_range(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const ew_job *j = ctx;
  const float inv_sqrt_2pi = 0.3989422804014327f;
  for (int64_t i = begin; i < end; i++) {
    float v = j->x[i];
    float cdf = vk_normal_cdf(v);
    float pdf = inv_sqrt_2pi * vk_expf(-0.5f * v * v);
    j->dx[i] = j->dy[i] * (cdf + v * pdf);
  }
}

// gelu(x, y): y = x·Φ(x)
napi_value vk_gelu(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 2, argv);
  F32(0, x, "gelu: x must be a Float32Array");
  F32(1, y, "gelu: y must be a Float32Array");
  if (!same_len(env, x_len, y_len, "gelu: x and y differ in length")) return NULL;
  ew_job job = {.x = x, .y = y};
  vk_parallel_for((int64_t)x_len, GRAIN_ELEMS, gelu_range, &job);
  return undefined_value(env);
}

// geluGrad(dy, x, dx): dx = dy·(Φ(x) + x·φ(x))
napi_value vk_gelu_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  F32(0, dy, "geluGrad: dy must be a Float32Array");
  F32(1, x, "geluGrad: x must be a Float32Array");
  F32(2, dx, "geluGrad: dx must be a Float32Array");
  if (!same_len(env, x_len, dy_len, "geluGrad: dy and x differ in length") || !same_len(env, x_len, dx_len, "geluGrad: dx and x differ in length"))
    return NULL;
  ew_job job = {.x = x, .dy = dy, .dx = dx};
  vk_parallel_for((int64_t)x_len, GRAIN_ELEMS, gelu_grad_range, &job);
  return undefined_value(env);
}

// rows [begin, end); mean and rstd travel in dx and db
static void layer_norm_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const ew_job *j = ctx;
  const size_t d = j->d;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + r * d;
    float *yr = j->y + r * d;
    const float fm = (float)(row_sum_f64(xr, (int64_t)d) / (double)d);
    const double inv = 1.0 / sqrt((double)row_centered_sq(xr, fm, (int64_t)d) / (double)d + j->eps);
    const float fi = (float)inv;
    for (size_t k = 0; k < d; k++) yr[k] = (xr[k] - fm) * fi * j->g[k] + j->b[k];
    j->dx[r] = fm;
    j->db[r] = fi;
  }
}

// layerNorm(x, gamma, beta, y, mean, rstd, eps): rows of length gamma.length
napi_value vk_layer_norm(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 7, argv);
  F32(0, x, "layerNorm: x must be a Float32Array");
  F32(1, g, "layerNorm: gamma must be a Float32Array");
  F32(2, b, "layerNorm: beta must be a Float32Array");
  F32(3, y, "layerNorm: y must be a Float32Array");
  F32(4, mean, "layerNorm: mean must be a Float32Array");
  F32(5, rstd, "layerNorm: rstd must be a Float32Array");
  double eps = num_arg(env, argv[6]);
  size_t d = g_len, rows = d ? x_len / d : 0;
  if (d == 0 || b_len != d || x_len != rows * d || y_len != x_len || mean_len != rows || rstd_len != rows) {
    napi_throw_range_error(env, NULL, "layerNorm: x, gamma, beta, y, mean and rstd do not agree in size");
    return NULL;
  }
  ew_job job = {.x = x, .g = g, .b = b, .y = y, .dx = mean, .db = rstd, .d = d, .eps = eps};
  vk_parallel_for((int64_t)rows, GRAIN_ROWS(d), layer_norm_rows, &job);
  return undefined_value(env);
}

typedef struct {
  const float *dy, *x, *mean, *rstd, *g;
  float *dx, *partial;
  size_t d;
} ln_grad_job;

static void layer_norm_grad_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  const ln_grad_job *j = ctx;
  const size_t d = j->d;
  float *dg = j->partial + (size_t)chunk * 2 * d, *db = dg + d;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + r * d, *dyr = j->dy + r * d;
    float *dxr = j->dx + r * d;
    const float mu = j->mean[r], inv = j->rstd[r];
    // dx = inv·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = dy·γ, x̂ = (x − μ)·inv
    // Σ dŷ and Σ dŷ·x̂ in LANES partial sums (row-reduce.h says why), dγ and dβ accumulated alongside
    float a1[LANES] = {0}, a2[LANES] = {0};
    size_t k = 0;
    for (; k + LANES <= d; k += LANES)
      for (int l = 0; l < LANES; l++) {
        const float xh = (xr[k + l] - mu) * inv, dxh = dyr[k + l] * j->g[k + l];
        a1[l] += dxh;
        a2[l] += dxh * xh;
        dg[k + l] += dyr[k + l] * xh;
        db[k + l] += dyr[k + l];
      }
    double s1 = 0, s2 = 0;
    for (int l = 0; l < LANES; l++) {
      s1 += a1[l];
      s2 += a2[l];
    }
    for (; k < d; k++) {
      const float xh = (xr[k] - mu) * inv, dxh = dyr[k] * j->g[k];
      s1 += dxh;
      s2 += (double)dxh * xh;
      dg[k] += dyr[k] * xh;
      db[k] += dyr[k];
    }
    const float m1 = (float)(s1 / (double)d), m2 = (float)(s2 / (double)d);
    for (size_t k = 0; k < d; k++) {
      float xh = (xr[k] - mu) * inv;
      dxr[k] = inv * (dyr[k] * j->g[k] - m1 - xh * m2);
    }
  }
}

// layerNormGrad(dy, x, mean, rstd, gamma, dx, dgamma, dbeta)
napi_value vk_layer_norm_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 8, argv);
  F32(0, dy, "layerNormGrad: dy must be a Float32Array");
  F32(1, x, "layerNormGrad: x must be a Float32Array");
  F32(2, mean, "layerNormGrad: mean must be a Float32Array");
  F32(3, rstd, "layerNormGrad: rstd must be a Float32Array");
  F32(4, g, "layerNormGrad: gamma must be a Float32Array");
  F32(5, dx, "layerNormGrad: dx must be a Float32Array");
  F32(6, dg, "layerNormGrad: dgamma must be a Float32Array");
  F32(7, db, "layerNormGrad: dbeta must be a Float32Array");
  size_t d = g_len, rows = d ? x_len / d : 0;
  if (d == 0 || x_len != rows * d || dy_len != x_len || dx_len != x_len || mean_len != rows || rstd_len != rows || dg_len != d || db_len != d) {
    napi_throw_range_error(env, NULL, "layerNormGrad: dy, x, mean, rstd, gamma, dx, dgamma and dbeta do not agree in size");
    return NULL;
  }
  // per-chunk partial sums of dgamma and dbeta, added up after the join
  int chunks = vk_pool_threads();
  float *partial = calloc((size_t)chunks * 2 * d, sizeof(float));
  if (!partial) {
    napi_throw_error(env, NULL, "layerNormGrad: out of memory");
    return NULL;
  }
  ln_grad_job job = {dy, x, mean, rstd, g, dx, partial, d};
  vk_parallel_for((int64_t)rows, GRAIN_ROWS(d), layer_norm_grad_rows, &job);
  memset(dg, 0, sizeof(float) * d);
  memset(db, 0, sizeof(float) * d);
  for (int c = 0; c < chunks; c++)
    for (size_t k = 0; k < d; k++) {
      dg[k] += partial[(size_t)c * 2 * d + k];
      db[k] += partial[(size_t)c * 2 * d + d + k];
    }
  free(partial);
  return undefined_value(env);
}

VK_CPU_CLONES
static void softmax_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const ew_job *j = ctx;
  const size_t d = j->d;
  for (int64_t r = begin; r < end; r++) {
    const float *xr = j->x + r * d;
    float *yr = j->y + r * d;
    const float mx = row_max(xr, (int64_t)d);
    for (size_t k = 0; k < d; k++) yr[k] = vk_expf(xr[k] - mx);
    const float inv = 1.f / row_sum(yr, (int64_t)d);
    for (size_t k = 0; k < d; k++) yr[k] *= inv;
  }
}

// softmax(x, y, d): softmax over consecutive rows of length d
napi_value vk_softmax(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  F32(0, x, "softmax: x must be a Float32Array");
  F32(1, y, "softmax: y must be a Float32Array");
  int64_t d = int_arg(env, argv[2]);
  if (d < 1 || x_len % (size_t)d != 0 || y_len != x_len) {
    napi_throw_range_error(env, NULL, "softmax: x and y must hold whole rows of the same length");
    return NULL;
  }
  ew_job job = {.x = x, .y = y, .d = (size_t)d};
  vk_parallel_for((int64_t)(x_len / (size_t)d), GRAIN_ROWS(d), softmax_rows, &job);
  return undefined_value(env);
}
