// ReLU, its gradient (and tfjs's step function), exp (the performer's random features) and 2-D max pooling on NHWC float32: the cpu backend runs them as per-element
// JavaScript (a vt_resnet18 inference spent half its time in Relu and MaxPool there). Same results bit for bit: NaN
// passes through ReLU, and a window's max ignores NaN and padding (-inf when nothing else), as tfjs' cpu kernels do.
#include <math.h>
#include <stdlib.h>
#include "cpu-dispatch.h"
#include "fast-math.h"
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

#define GRAIN ((int64_t)1 << 15)

typedef struct {
  const float *x;
  float *y;
  float alpha;
} unary_job;

static void relu_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unary_job *j = ctx;
  // Math.max(0, x), as the cpu kernel: NaN stays NaN and -0 becomes +0
  for (int64_t i = b; i < e; i++) {
    float v = j->x[i];
    j->y[i] = isnan(v) ? v : v > 0.f ? v : 0.f;
  }
}

static void step_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unary_job *j = ctx;
  // locals: a store to y[i] could alias j->alpha (a float), which kept the loop scalar and reloading it (12× Relu)
  const float *x = j->x, alpha = j->alpha;
  float *y = j->y;
  for (int64_t i = b; i < e; i++) {
    float v = x[i];
    y[i] = isnan(v) ? v : v > 0.f ? 1.f : alpha;
  }
}

VK_CPU_CLONES
static void exp_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unary_job *j = ctx;
  const float *x = j->x;
  float *y = j->y;
  // two passes: the first vectorises (a libm call in the loop kept it scalar, ~6 ns an element); vk_expf clamps its
  // argument to the normal range, so the second redoes the rare values past it with libm (subnormals, 0, ∞, NaN), as
  // Math.exp
  for (int64_t i = b; i < e; i++) y[i] = vk_expf(x[i]);
  for (int64_t i = b; i < e; i++)
    if (!(x[i] >= -87.3f && x[i] <= 88.7f)) y[i] = expf(x[i]);
}

typedef struct {
  const float *dy, *y;
  float *dx;
} relu_grad_job;

static void relu_grad_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const relu_grad_job *j = ctx;
  const float *dy = j->dy, *y = j->y;
  float *dx = j->dx;
  // dy·step(y), the product tfjs's composition makes (NaN where y is NaN, 0·dy elsewhere), without step's temporary
  for (int64_t i = b; i < e; i++) {
    float v = y[i];
    dx[i] = dy[i] * (isnan(v) ? v : v > 0.f ? 1.f : 0.f);
  }
}

// reluGrad(dy, y, dx): ReLU's gradient from its output, one pass
napi_value vk_relu_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  F32(0, dy, "reluGrad: dy must be a Float32Array");
  F32(1, y, "reluGrad: y must be a Float32Array");
  F32(2, dx, "reluGrad: dx must be a Float32Array");
  if (y_len != dy_len || dx_len != dy_len) {
    napi_throw_range_error(env, NULL, "reluGrad: dy, y and dx differ in length");
    return NULL;
  }
  relu_grad_job job = {.dy = dy, .y = y, .dx = dx};
  vk_parallel_for((int64_t)dy_len, GRAIN, relu_grad_range, &job);
  return undefined_value(env);
}

// unary(op, x, y, alpha): op 0 relu, 1 step (x > 0 ? 1 : alpha, NaN kept), 2 exp
napi_value vk_unary(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  int64_t op = int_arg(env, argv[0]);
  size_t xn, yn;
  float *x = f32_arg(env, argv[1], &xn, "unary: x must be a Float32Array");
  if (!x) return NULL;
  float *y = f32_arg(env, argv[2], &yn, "unary: y must be a Float32Array");
  if (!y) return NULL;
  if (xn != yn) {
    napi_throw_range_error(env, NULL, "unary: x and y differ in length");
    return NULL;
  }
  unary_job job = {.x = x, .y = y, .alpha = (float)num_arg(env, argv[3])};
  if (op == 0) vk_parallel_for((int64_t)xn, GRAIN, relu_range, &job);
  else if (op == 1) vk_parallel_for((int64_t)xn, GRAIN, step_range, &job);
  else if (op == 2) vk_parallel_for((int64_t)xn, GRAIN, exp_range, &job);
  else {
    napi_throw_range_error(env, NULL, "unary: unknown op");
    return NULL;
  }
  return undefined_value(env);
}

typedef struct {
  const float *x, *dy;
  float *y;
  int64_t h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl;
  // maxPoolGrad's per-thread scratch: c best values and their indices for each pool thread
  float *best;
  int32_t *at;
} pool_job;

// output rows [b, e) over batch × out-height
static void max_pool_rows(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const pool_job *j = ctx;
  for (int64_t row = b; row < e; row++) {
    const int64_t n = row / j->oh, yr = row % j->oh;
    const float *xb = j->x + n * j->h * j->w * j->c;
    for (int64_t yc = 0; yc < j->ow; yc++) {
      float *out = j->y + ((row * j->ow) + yc) * j->c;
      for (int64_t d = 0; d < j->c; d++) out[d] = -INFINITY;
      for (int64_t kr = 0; kr < j->fh; kr++) {
        const int64_t r = yr * j->sh - j->pt + kr * j->dh;
        if (r < 0 || r >= j->h) continue;
        for (int64_t kc = 0; kc < j->fw; kc++) {
          const int64_t col = yc * j->sw - j->pl + kc * j->dw;
          if (col < 0 || col >= j->w) continue;
          const float *p = xb + (r * j->w + col) * j->c;
          for (int64_t d = 0; d < j->c; d++)
            if (p[d] > out[d]) out[d] = p[d];
        }
      }
    }
  }
}

// maxPool(x, y, geometry): geometry = [batch, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, padTop, padLeft]
napi_value vk_max_pool(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  size_t xn, yn, gn;
  float *x = f32_arg(env, argv[0], &xn, "maxPool: x must be a Float32Array");
  if (!x) return NULL;
  float *y = f32_arg(env, argv[1], &yn, "maxPool: y must be a Float32Array");
  if (!y) return NULL;
  double *g = f64_arg(env, argv[2], &gn, "maxPool: geometry must be a Float64Array");
  if (!g) return NULL;
  if (gn != 14) {
    napi_throw_range_error(env, NULL, "maxPool: geometry must have 14 entries");
    return NULL;
  }
  pool_job j = {.x = x, .y = y, .h = (int64_t)g[1], .w = (int64_t)g[2], .c = (int64_t)g[3], .oh = (int64_t)g[4], .ow = (int64_t)g[5], .fh = (int64_t)g[6],
                .fw = (int64_t)g[7], .sh = (int64_t)g[8], .sw = (int64_t)g[9], .dh = (int64_t)g[10], .dw = (int64_t)g[11], .pt = (int64_t)g[12], .pl = (int64_t)g[13]};
  const int64_t batch = (int64_t)g[0];
  if ((size_t)(batch * j.h * j.w * j.c) > xn || (size_t)(batch * j.oh * j.ow * j.c) > yn) {
    napi_throw_range_error(env, NULL, "maxPool: buffers smaller than the geometry");
    return NULL;
  }
  const int64_t row_elems = j.ow * j.c * j.fh * j.fw;
  vk_parallel_for(batch * j.oh, row_elems >= GRAIN ? 1 : GRAIN / (row_elems > 0 ? row_elems : 1), max_pool_rows, &j);
  return undefined_value(env);
}

// images [b, e): each window's first strict maximum (per channel) receives the window's dy, as the cpu kernel does
static void max_pool_grad_images(void *ctx, int64_t b, int64_t e, int chunk) {
  const pool_job *j = ctx;  // x: the input, y: dx
  float *best = j->best + (size_t)chunk * (size_t)j->c;
  int32_t *at = j->at + (size_t)chunk * (size_t)j->c;
  for (int64_t n = b; n < e; n++) {
    const float *xb = j->x + n * j->h * j->w * j->c;
    float *dx = j->y + n * j->h * j->w * j->c;
    for (int64_t i = 0; i < j->h * j->w * j->c; i++) dx[i] = 0.f;
    for (int64_t yr = 0; yr < j->oh; yr++)
      for (int64_t yc = 0; yc < j->ow; yc++) {
        for (int64_t d = 0; d < j->c; d++) {
          best[d] = -INFINITY;
          at[d] = -1;
        }
        for (int64_t kr = 0; kr < j->fh; kr++) {
          const int64_t r = yr * j->sh - j->pt + kr;
          if (r < 0 || r >= j->h) continue;
          for (int64_t kc = 0; kc < j->fw; kc++) {
            const int64_t col = yc * j->sw - j->pl + kc;
            if (col < 0 || col >= j->w) continue;
            const int32_t p = (int32_t)((r * j->w + col) * j->c);
            const float *xp = xb + p;
            // branch-free, so it vectorises (a branch per channel made this 4× slower than the forward pass)
            for (int32_t d = 0; d < (int32_t)j->c; d++) {
              const bool gt = xp[d] > best[d];
              best[d] = gt ? xp[d] : best[d];
              at[d] = gt ? p + d : at[d];
            }
          }
        }
        const float *g = j->dy + ((n * j->oh + yr) * j->ow + yc) * j->c;
        for (int64_t d = 0; d < j->c; d++)
          if (at[d] >= 0) dx[at[d]] += g[d];
      }
  }
}

// maxPoolGrad(dy, x, dx, geometry): geometry as maxPool's (dilation 1)
napi_value vk_max_pool_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  size_t gyn, xn, dxn, gn;
  float *dy = f32_arg(env, argv[0], &gyn, "maxPoolGrad: dy must be a Float32Array");
  if (!dy) return NULL;
  float *x = f32_arg(env, argv[1], &xn, "maxPoolGrad: x must be a Float32Array");
  if (!x) return NULL;
  float *dx = f32_arg(env, argv[2], &dxn, "maxPoolGrad: dx must be a Float32Array");
  if (!dx) return NULL;
  double *g = f64_arg(env, argv[3], &gn, "maxPoolGrad: geometry must be a Float64Array");
  if (!g) return NULL;
  if (gn != 14 || g[10] != 1 || g[11] != 1) {
    napi_throw_range_error(env, NULL, "maxPoolGrad: geometry must have 14 entries and dilation 1");
    return NULL;
  }
  pool_job j = {.x = x, .y = dx, .dy = dy, .h = (int64_t)g[1], .w = (int64_t)g[2], .c = (int64_t)g[3], .oh = (int64_t)g[4], .ow = (int64_t)g[5], .fh = (int64_t)g[6],
                .fw = (int64_t)g[7], .sh = (int64_t)g[8], .sw = (int64_t)g[9], .dh = 1, .dw = 1, .pt = (int64_t)g[12], .pl = (int64_t)g[13]};
  const int64_t batch = (int64_t)g[0];
  if ((size_t)(batch * j.h * j.w * j.c) > xn || (size_t)(batch * j.h * j.w * j.c) > dxn || (size_t)(batch * j.oh * j.ow * j.c) > gyn) {
    napi_throw_range_error(env, NULL, "maxPoolGrad: buffers smaller than the geometry");
    return NULL;
  }
  if (j.h * j.w * j.c > INT32_MAX) {
    napi_throw_range_error(env, NULL, "maxPoolGrad: an image of more than 2^31 values");
    return NULL;
  }
  const size_t slots = (size_t)vk_pool_threads() * (size_t)(j.c > 0 ? j.c : 1);
  j.best = malloc(sizeof(float) * slots);
  j.at = malloc(sizeof(int32_t) * slots);
  if (!j.best || !j.at) {
    free(j.best);
    free(j.at);
    napi_throw_error(env, NULL, "maxPoolGrad: out of memory for the per-thread scratch");
    return NULL;
  }
  vk_parallel_for(batch, 1, max_pool_grad_images, &j);
  free(j.best);
  free(j.at);
  return undefined_value(env);
}
