// Unfold (PyTorch `nn.Unfold(k, s, p)` then `.transpose(1, 2)`) on an NHWC float32 image, and its input gradient: the
// T2T tokenizer's soft splits. tfjs has no unfold op; as a one-hot depthwise convolution it costs k² multiply-adds per
// output value (12 % of a t2t_vit_7 inference), where an unfold is a copy. Output [B, Ho·Wo, C·k²], feature index
// c·k² + ki·k + kj (PyTorch's order); taps outside the image are zero.
#include <stdio.h>
#include <string.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

typedef struct {
  const float *src;
  float *dst;
  int64_t h, w, c, k, s, p, oh, ow;
} unfold_job;

// output rows [b, e) over batch × out-height: each is Wo tokens of C·k² values
static void unfold_rows(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unfold_job *j = ctx;
  const int64_t k = j->k, k2 = k * k, ck2 = j->c * k2;
  for (int64_t row = b; row < e; row++) {
    const int64_t n = row / j->oh, oy = row % j->oh;
    const float *x = j->src + n * j->h * j->w * j->c;
    float *y = j->dst + row * j->ow * ck2;
    memset(y, 0, sizeof(float) * (size_t)(j->ow * ck2));
    for (int64_t ox = 0; ox < j->ow; ox++, y += ck2)
      for (int64_t ki = 0; ki < k; ki++) {
        const int64_t r = oy * j->s - j->p + ki;
        if (r < 0 || r >= j->h) continue;
        for (int64_t kj = 0; kj < k; kj++) {
          const int64_t col = ox * j->s - j->p + kj;
          if (col < 0 || col >= j->w) continue;
          const float *px = x + (r * j->w + col) * j->c;
          float *py = y + ki * k + kj;
          for (int64_t ch = 0; ch < j->c; ch++) py[ch * k2] = px[ch];
        }
      }
  }
}

// input rows [b, e) over batch × height: each pixel gathers the token values that copied it
static void unfold_grad_rows(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const unfold_job *j = ctx;  // src: dy, dst: dx
  const int64_t k = j->k, k2 = k * k, ck2 = j->c * k2;
  for (int64_t row = b; row < e; row++) {
    const int64_t n = row / j->h, r = row % j->h;
    const float *dy = j->src + n * j->oh * j->ow * ck2;
    float *dx = j->dst + row * j->w * j->c;
    memset(dx, 0, sizeof(float) * (size_t)(j->w * j->c));
    for (int64_t ki = 0; ki < k; ki++) {
      const int64_t t = r + j->p - ki;
      if (t < 0 || t % j->s || t / j->s >= j->oh) continue;
      const int64_t oy = t / j->s;
      for (int64_t col = 0; col < j->w; col++) {
        float *px = dx + col * j->c;
        for (int64_t kj = 0; kj < k; kj++) {
          const int64_t u = col + j->p - kj;
          if (u < 0 || u % j->s || u / j->s >= j->ow) continue;
          const float *g = dy + (oy * j->ow + u / j->s) * ck2 + ki * k + kj;
          for (int64_t ch = 0; ch < j->c; ch++) px[ch] += g[ch * k2];
        }
      }
    }
  }
}

// (image, tokens, geometry) with geometry = [batch, h, w, c, kernel, stride, padding]; false after throwing
static bool unfold_args(napi_env env, napi_value *argv, const char *what, bool grad, unfold_job *j, int64_t *batch) {
  char msg[128];
  size_t an, bn, gn;
  snprintf(msg, sizeof msg, "%s: arguments must be two Float32Arrays and a Float64Array", what);
  float *a = f32_arg(env, argv[0], &an, msg);
  if (!a) return false;
  float *b = f32_arg(env, argv[1], &bn, msg);
  if (!b) return false;
  double *g = f64_arg(env, argv[2], &gn, msg);
  if (!g) return false;
  if (gn != 7) {
    snprintf(msg, sizeof msg, "%s: geometry must have 7 entries", what);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  *batch = (int64_t)g[0];
  *j = (unfold_job){.h = (int64_t)g[1], .w = (int64_t)g[2], .c = (int64_t)g[3], .k = (int64_t)g[4], .s = (int64_t)g[5], .p = (int64_t)g[6]};
  if (*batch < 0 || j->h < 1 || j->w < 1 || j->c < 1 || j->k < 1 || j->s < 1 || j->p < 0) {
    snprintf(msg, sizeof msg, "%s: invalid geometry", what);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  j->oh = (j->h + 2 * j->p - j->k) / j->s + 1;
  j->ow = (j->w + 2 * j->p - j->k) / j->s + 1;
  const size_t image = (size_t)(*batch * j->h * j->w * j->c), tokens = (size_t)(*batch * j->oh * j->ow * j->c * j->k * j->k);
  // forward: a = image, b = tokens; gradient: a = dy (tokens), b = dx (image)
  if (j->oh < 1 || j->ow < 1 || (grad ? tokens : image) > an || (grad ? image : tokens) > bn) {
    snprintf(msg, sizeof msg, "%s: buffers smaller than the geometry", what);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  j->src = a;
  j->dst = b;
  return true;
}

// unfold(x, y, geometry)
napi_value vk_unfold(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  unfold_job j;
  int64_t batch;
  if (!unfold_args(env, argv, "unfold", false, &j, &batch)) return NULL;
  const int64_t row = j.ow * j.c * j.k * j.k;
  vk_parallel_for(batch * j.oh, row >= (1 << 15) ? 1 : (1 << 15) / row, unfold_rows, &j);
  return undefined_value(env);
}

// unfoldGrad(dy, dx, geometry): geometry of the forward pass
napi_value vk_unfold_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 3, argv);
  unfold_job j;
  int64_t batch;
  if (!unfold_args(env, argv, "unfoldGrad", true, &j, &batch)) return NULL;
  const int64_t row = j.w * j.c * j.k;
  vk_parallel_for(batch * j.h, row >= (1 << 15) ? 1 : (1 << 15) / row, unfold_grad_rows, &j);
  return undefined_value(env);
}
