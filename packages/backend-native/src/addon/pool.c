// ReLU, its gradient's step function, exp (the performer's random features) and 2-D max pooling on NHWC float32: the cpu backend runs them as per-element
// JavaScript (a vt_resnet18 inference spent half its time in Relu and MaxPool there). Same results bit for bit: NaN
// passes through ReLU, and a window's max ignores NaN and padding (-inf when nothing else), as tfjs' cpu kernels do.
#include <math.h>
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
  for (int64_t i = b; i < e; i++) {
    float v = j->x[i];
    j->y[i] = isnan(v) ? v : v > 0.f ? 1.f : j->alpha;
  }
}

static void exp_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unary_job *j = ctx;
  for (int64_t i = b; i < e; i++) {
    float v = j->x[i];
    // vk_expf clamps its argument to the normal range: libm's expf past it (subnormals, 0, ∞, NaN), as Math.exp
    j->y[i] = v >= -87.3f && v <= 88.7f ? vk_expf(v) : expf(v);
  }
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
  const float *x;
  float *y;
  int64_t h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl;
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
