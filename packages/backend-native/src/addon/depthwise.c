// Depthwise 2-D convolution on NHWC float32 (DepthwiseConv2dNative): the T2T tokenizer's soft split (nn.Unfold) was
// one with a constant one-hot filter, and tfjs' cpu kernel runs it as per-element JavaScript (44 % of a t2t_vit_7
// inference), and its input gradient (the later soft splits' backward pass). Output channel c·M + m reads input channel c through filter [kh, kw, c, m]; taps outside the image
// count as zero.
#include <stdio.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

typedef struct {
  const float *x, *f;
  float *y;
  int64_t h, w, c, m, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl;
} dw_job;

// output rows [b, e) over batch × out-height
static void depthwise_rows(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const dw_job *j = ctx;
  const int64_t cm = j->c * j->m;
  for (int64_t row = b; row < e; row++) {
    const int64_t n = row / j->oh, yr = row % j->oh;
    const float *xb = j->x + n * j->h * j->w * j->c;
    for (int64_t yc = 0; yc < j->ow; yc++) {
      float *out = j->y + (row * j->ow + yc) * cm;
      for (int64_t q = 0; q < cm; q++) out[q] = 0.f;
      for (int64_t kr = 0; kr < j->fh; kr++) {
        const int64_t r = yr * j->sh - j->pt + kr * j->dh;
        if (r < 0 || r >= j->h) continue;
        for (int64_t kc = 0; kc < j->fw; kc++) {
          const int64_t col = yc * j->sw - j->pl + kc * j->dw;
          if (col < 0 || col >= j->w) continue;
          const float *px = xb + (r * j->w + col) * j->c;
          const float *pf = j->f + (kr * j->fw + kc) * cm;
          for (int64_t ch = 0; ch < j->c; ch++) {
            const float v = px[ch];
            const float *fc = pf + ch * j->m;
            float *oc = out + ch * j->m;
            for (int64_t q = 0; q < j->m; q++) oc[q] += v * fc[q];
          }
        }
      }
    }
  }
}

/**
 * Reads (input-side, filter, output-side, geometry) into a job; `in`/`out` are x/y for the forward pass and dy/dx for the
 * input gradient. Throws (returns false) naming `what` when an argument is wrong or a buffer is smaller than the geometry.
 */
static bool depthwise_job(napi_env env, napi_value *argv, const char *what, bool backprop, dw_job *j, int64_t *batch) {
  char msg[128];
  size_t an, fn, bn, gn;
  snprintf(msg, sizeof msg, "%s: arguments must be three Float32Arrays and a Float64Array", what);
  float *a = f32_arg(env, argv[0], &an, msg);
  if (!a) return false;
  float *f = f32_arg(env, argv[1], &fn, msg);
  if (!f) return false;
  float *b = f32_arg(env, argv[2], &bn, msg);
  if (!b) return false;
  double *g = f64_arg(env, argv[3], &gn, msg);
  if (!g) return false;
  if (gn != 15) {
    snprintf(msg, sizeof msg, "%s: geometry must have 15 entries", what);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  *j = (dw_job){.x = a, .f = f, .y = b, .h = (int64_t)g[1], .w = (int64_t)g[2], .c = (int64_t)g[3], .m = (int64_t)g[4], .oh = (int64_t)g[5], .ow = (int64_t)g[6],
                .fh = (int64_t)g[7], .fw = (int64_t)g[8], .sh = (int64_t)g[9], .sw = (int64_t)g[10], .dh = (int64_t)g[11], .dw = (int64_t)g[12], .pt = (int64_t)g[13], .pl = (int64_t)g[14]};
  *batch = (int64_t)g[0];
  const size_t image = (size_t)(*batch * j->h * j->w * j->c), outputs = (size_t)(*batch * j->oh * j->ow * j->c * j->m);
  // forward: a = x (image), b = y (outputs); input gradient: a = dy (outputs), b = dx (image)
  if ((backprop ? outputs : image) > an || (size_t)(j->fh * j->fw * j->c * j->m) > fn || (backprop ? image : outputs) > bn) {
    snprintf(msg, sizeof msg, "%s: buffers smaller than the geometry", what);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  return true;
}

// depthwiseConv2d(x, filter, y, geometry): geometry = [batch, h, w, c, multiplier, oh, ow, fh, fw, sh, sw, dh, dw, padTop, padLeft]
napi_value vk_depthwise_conv2d(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  dw_job j;
  int64_t batch;
  if (!depthwise_job(env, argv, "depthwiseConv2d", false, &j, &batch)) return NULL;
  const int64_t row_work = j.ow * j.c * j.m * j.fh * j.fw;
  vk_parallel_for(batch * j.oh, row_work >= (1 << 15) ? 1 : (1 << 15) / (row_work > 0 ? row_work : 1), depthwise_rows, &j);
  return undefined_value(env);
}

// images [b, e): dx of each image gathers every output that read it; images are independent, so they split the work
static void depthwise_dx_images(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const dw_job *j = ctx;  // x: dy, y: dx
  const int64_t cm = j->c * j->m;
  for (int64_t n = b; n < e; n++) {
    float *dx = j->y + n * j->h * j->w * j->c;
    for (int64_t i = 0; i < j->h * j->w * j->c; i++) dx[i] = 0.f;
    const float *dyb = j->x + n * j->oh * j->ow * cm;
    for (int64_t yr = 0; yr < j->oh; yr++)
      for (int64_t yc = 0; yc < j->ow; yc++) {
        const float *g = dyb + (yr * j->ow + yc) * cm;
        for (int64_t kr = 0; kr < j->fh; kr++) {
          const int64_t r = yr * j->sh - j->pt + kr * j->dh;
          if (r < 0 || r >= j->h) continue;
          for (int64_t kc = 0; kc < j->fw; kc++) {
            const int64_t col = yc * j->sw - j->pl + kc * j->dw;
            if (col < 0 || col >= j->w) continue;
            float *px = dx + (r * j->w + col) * j->c;
            const float *pf = j->f + (kr * j->fw + kc) * cm;
            for (int64_t ch = 0; ch < j->c; ch++) {
              float acc = 0.f;
              for (int64_t q = 0; q < j->m; q++) acc += g[ch * j->m + q] * pf[ch * j->m + q];
              px[ch] += acc;
            }
          }
        }
      }
  }
}

// depthwiseConv2dBackpropInput(dy, filter, dx, geometry): geometry as depthwiseConv2d's, of the forward pass
napi_value vk_depthwise_conv2d_backprop_input(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  dw_job j;
  int64_t batch;
  if (!depthwise_job(env, argv, "depthwiseConv2dBackpropInput", true, &j, &batch)) return NULL;
  vk_parallel_for(batch, 1, depthwise_dx_images, &j);
  return undefined_value(env);
}
