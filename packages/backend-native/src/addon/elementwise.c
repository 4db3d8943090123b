// Fused element-wise kernels no library offers for plain memory with vitkit's contracts (OpenBLAS has none; oneDNN
// has them as primitives with their own memory descriptors and per-call setup): exact GELU and its gradient,
// LayerNorm over the last axis (saving mean and 1/σ per row) and its gradient, and a last-axis softmax.
// Statistics are accumulated in double, like the wasm kernel pack's JS path.
#include <math.h>
#include <string.h>
#include "napi-util.h"
#include "vitkit-native.h"

#define F32(i, var, what)                                \
  size_t var##_len;                                      \
  float *var = f32_arg(env, argv[i], &var##_len, what);  \
  if (!var) return NULL;

static bool same_len(napi_env env, size_t a, size_t b, const char *what) {
  if (a != b) napi_throw_range_error(env, NULL, what);
  return a == b;
}

// gelu(x, y): y = x·Φ(x)
napi_value vk_gelu(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 2, argv);
  F32(0, x, "gelu: x must be a Float32Array");
  F32(1, y, "gelu: y must be a Float32Array");
  if (!same_len(env, x_len, y_len, "gelu: x and y differ in length")) return NULL;
  for (size_t i = 0; i < x_len; i++) {
    float v = x[i];
    y[i] = 0.5f * v * (1.f + erff(v * (float)M_SQRT1_2));
  }
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
  const float inv_sqrt_2pi = 0.3989422804014327f;
  for (size_t i = 0; i < x_len; i++) {
    float v = x[i];
    float cdf = 0.5f * (1.f + erff(v * (float)M_SQRT1_2));
    float pdf = inv_sqrt_2pi * expf(-0.5f * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
  return undefined_value(env);
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
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    double s = 0, v = 0;
    for (size_t j = 0; j < d; j++) s += xr[j];
    double mu = s / (double)d;
    for (size_t j = 0; j < d; j++) {
      double c = xr[j] - mu;
      v += c * c;
    }
    double inv = 1.0 / sqrt(v / (double)d + eps);
    float fm = (float)mu, fi = (float)inv;
    for (size_t j = 0; j < d; j++) yr[j] = (xr[j] - fm) * fi * g[j] + b[j];
    mean[r] = fm;
    rstd[r] = fi;
  }
  return undefined_value(env);
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
  memset(dg, 0, sizeof(float) * d);
  memset(db, 0, sizeof(float) * d);
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * d, *dyr = dy + r * d;
    float *dxr = dx + r * d;
    const float mu = mean[r], inv = rstd[r];
    // dx = inv·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) with dŷ = dy·γ, x̂ = (x − μ)·inv
    double s1 = 0, s2 = 0;
    for (size_t j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * inv;
      float dxh = dyr[j] * g[j];
      s1 += dxh;
      s2 += (double)dxh * xh;
      dg[j] += dyr[j] * xh;
      db[j] += dyr[j];
    }
    const float m1 = (float)(s1 / (double)d), m2 = (float)(s2 / (double)d);
    for (size_t j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * inv;
      dxr[j] = inv * (dyr[j] * g[j] - m1 - xh * m2);
    }
  }
  return undefined_value(env);
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
  size_t rows = x_len / (size_t)d;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    float mx = -INFINITY;
    for (int64_t j = 0; j < d; j++) mx = xr[j] > mx ? xr[j] : mx;
    double s = 0;
    for (int64_t j = 0; j < d; j++) {
      yr[j] = expf(xr[j] - mx);
      s += yr[j];
    }
    float inv = (float)(1.0 / s);
    for (int64_t j = 0; j < d; j++) yr[j] *= inv;
  }
  return undefined_value(env);
}
