// 2-D convolution (NHWC input, HWIO filter, any stride, dilation and padding) as im2col + one OpenBLAS GEMM per group
// of images, forward and both gradients. Neither OpenBLAS nor tfjs offers im2col/col2im on Node memory; oneDNN does
// convolutions, but its primitive setup per call costs more than these copies for the sizes vitkit runs (README).
#include <stdlib.h>
#include <string.h>
#include "napi-util.h"
#include "parallel.h"
#include "sgemm.h"
#include "vitkit-native.h"

typedef struct {
  int64_t batch, h, w, cin, kh, kw, cout, ho, wo, sh, sw, dh, dw, pad_top, pad_left;
} geometry;

// The column buffer stays under this many floats (64 MiB); images are grouped up to it.
#define COL_BUDGET ((int64_t)16 << 20)

static bool read_geometry(napi_env env, napi_value v, geometry *g) {
  size_t len;
  napi_typedarray_type type;
  void *data;
  napi_value buf;
  size_t off;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &len, &data, &buf, &off) != napi_ok || type != napi_float64_array || len != 15) {
    napi_throw_type_error(env, NULL, "conv2d: geometry must be a Float64Array of 15 numbers");
    return false;
  }
  const double *d = data;
  int64_t *f = (int64_t *)g;
  for (int i = 0; i < 15; i++) f[i] = (int64_t)d[i];
  if (g->batch < 0 || g->h < 1 || g->w < 1 || g->cin < 1 || g->kh < 1 || g->kw < 1 || g->cout < 1 || g->ho < 0 || g->wo < 0 || g->sh < 1 || g->sw < 1 ||
      g->dh < 1 || g->dw < 1) {
    napi_throw_range_error(env, NULL, "conv2d: invalid geometry");
    return false;
  }
  return true;
}

static bool check_len(napi_env env, size_t have, int64_t want, const char *what) {
  if ((int64_t)have < want) {
    napi_throw_range_error(env, NULL, what);
    return false;
  }
  return true;
}

static bool is_pointwise(const geometry *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_top == 0 && g->pad_left == 0 && g->ho == g->h && g->wo == g->w;
}

// cols[(oy·wo + ox)·K + (ky·kw + kx)·cin + c] = x[iy, ix, c] (0 outside), for output rows [oy0, oy1) of one image.
static void im2col_rows(const geometry *g, const float *x, float *cols, int64_t oy0, int64_t oy1) {
  const int64_t K = g->kh * g->kw * g->cin;
  for (int64_t oy = oy0; oy < oy1; oy++)
    for (int64_t ox = 0; ox < g->wo; ox++) {
      float *row = cols + (oy * g->wo + ox) * K;
      for (int64_t ky = 0; ky < g->kh; ky++) {
        int64_t iy = oy * g->sh - g->pad_top + ky * g->dh;
        for (int64_t kx = 0; kx < g->kw; kx++) {
          int64_t ix = ox * g->sw - g->pad_left + kx * g->dw;
          float *dst = row + (ky * g->kw + kx) * g->cin;
          if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
            memset(dst, 0, sizeof(float) * g->cin);
          else
            memcpy(dst, x + (iy * g->w + ix) * g->cin, sizeof(float) * g->cin);
        }
      }
    }
}

typedef struct {
  const geometry *g;
  const float *x;  // first image of the group (im2col) or columns (col2im)
  float *out;      // columns (im2col) or dx of the first image (col2im)
} group_job;

// items are (image, output row) pairs: rows of the column buffer never overlap
static void im2col_items(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const group_job *j = ctx;
  const geometry *g = j->g;
  const int64_t hw = g->h * g->w * g->cin, ohw = g->ho * g->wo, K = g->kh * g->kw * g->cin;
  for (int64_t it = begin; it < end;) {
    int64_t i = it / g->ho, oy = it % g->ho;
    int64_t stop = (end - it < g->ho - oy) ? oy + (end - it) : g->ho;
    im2col_rows(g, j->x + i * hw, j->out + i * ohw * K, oy, stop);
    it += stop - oy;
  }
}

// The adjoint of im2col: dx[iy, ix, c] += cols[...] (dx zeroed by the caller), for one image (overlapping windows
// add into the same dx rows, so the parallel unit is a whole image).
static void col2im(const geometry *g, const float *cols, float *dx) {
  const int64_t K = g->kh * g->kw * g->cin;
  for (int64_t oy = 0; oy < g->ho; oy++)
    for (int64_t ox = 0; ox < g->wo; ox++) {
      const float *row = cols + (oy * g->wo + ox) * K;
      for (int64_t ky = 0; ky < g->kh; ky++) {
        int64_t iy = oy * g->sh - g->pad_top + ky * g->dh;
        if (iy < 0 || iy >= g->h) continue;
        for (int64_t kx = 0; kx < g->kw; kx++) {
          int64_t ix = ox * g->sw - g->pad_left + kx * g->dw;
          if (ix < 0 || ix >= g->w) continue;
          const float *src = row + (ky * g->kw + kx) * g->cin;
          float *dst = dx + (iy * g->w + ix) * g->cin;
          for (int64_t c = 0; c < g->cin; c++) dst[c] += src[c];
        }
      }
    }
}

static void col2im_images(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const group_job *j = ctx;
  const geometry *g = j->g;
  const int64_t hw = g->h * g->w * g->cin, ohw = g->ho * g->wo, K = g->kh * g->kw * g->cin;
  for (int64_t i = begin; i < end; i++) col2im(g, j->x + i * ohw * K, j->out + i * hw);
}

static void im2col_group(const geometry *g, const float *x, float *cols, int64_t images) {
  group_job job = {g, x, cols};
  int64_t row_elems = g->wo * g->kh * g->kw * g->cin;
  vk_parallel_for(images * g->ho, row_elems >= 32768 ? 1 : 32768 / (row_elems > 0 ? row_elems : 1), im2col_items, &job);
}

static int64_t group_size(const geometry *g) {
  int64_t per = g->ho * g->wo * g->kh * g->kw * g->cin;
  int64_t n = per > 0 ? COL_BUDGET / per : g->batch;
  if (n < 1) n = 1;
  return n < g->batch ? n : g->batch;
}

typedef enum { FORWARD, BACKPROP_INPUT, BACKPROP_FILTER } conv_pass;

// (first, second, out, geometry): forward (x, w, y); backprop input (dy, w, dx); backprop filter (x, dy, dw).
static napi_value conv_entry(napi_env env, napi_callback_info info, conv_pass pass) {
  CHECK_ARGC(env, info, 4, argv);
  geometry g;
  if (!read_geometry(env, argv[3], &g)) return NULL;
  size_t l0, l1, l2;
  float *p0 = f32_arg(env, argv[0], &l0, "conv2d: first operand must be a Float32Array");
  if (!p0) return NULL;
  float *p1 = f32_arg(env, argv[1], &l1, "conv2d: second operand must be a Float32Array");
  if (!p1) return NULL;
  float *p2 = f32_arg(env, argv[2], &l2, "conv2d: output must be a Float32Array");
  if (!p2) return NULL;
  const int64_t K = g.kh * g.kw * g.cin, hw = g.h * g.w * g.cin, ohw = g.ho * g.wo;
  const int64_t xs = g.batch * hw, ys = g.batch * ohw * g.cout, ws = K * g.cout;
  const int64_t need[3][3] = {{xs, ws, ys}, {ys, ws, xs}, {xs, ys, ws}};
  if (!check_len(env, l0, need[pass][0], "conv2d: first operand smaller than the geometry") ||
      !check_len(env, l1, need[pass][1], "conv2d: second operand smaller than the geometry") ||
      !check_len(env, l2, need[pass][2], "conv2d: output smaller than the geometry"))
    return NULL;
  if (pass != BACKPROP_FILTER) memset(p2, 0, sizeof(float) * (size_t)need[pass][2]);
  if (pass == BACKPROP_FILTER && g.batch * ohw == 0) memset(p2, 0, sizeof(float) * (size_t)ws);
  if (g.batch == 0 || ohw == 0) return undefined_value(env);
  const bool direct = is_pointwise(&g);
  const int64_t group = group_size(&g);
  float *cols = direct ? NULL : malloc(sizeof(float) * (size_t)(group * ohw * K));
  if (!direct && !cols) {
    napi_throw_error(env, NULL, "conv2d: out of memory for the im2col buffer");
    return NULL;
  }
  for (int64_t b0 = 0; b0 < g.batch; b0 += group) {
    const int64_t nb = g.batch - b0 < group ? g.batch - b0 : group;
    const int64_t rows = nb * ohw;
    if (pass == FORWARD) {
      const float *x = p0 + b0 * hw;
      if (!direct) im2col_group(&g, x, cols, nb);
      vk_sgemm(false, false, rows, g.cout, K, 1.f, direct ? x : cols, K, p1,
                  g.cout, 0.f, p2 + b0 * ohw * g.cout, g.cout);
    } else if (pass == BACKPROP_INPUT) {
      float *dx = p2 + b0 * hw;
      // dcols = dy · wᵀ; for a pointwise conv dcols is dx itself
      vk_sgemm(false, true, rows, K, g.cout, 1.f, p0 + b0 * ohw * g.cout, g.cout, p1,
                  g.cout, 0.f, direct ? dx : cols, K);
      if (!direct) {
        group_job job = {&g, cols, dx};
        vk_parallel_for(nb, 1, col2im_images, &job);
      }
    } else {
      const float *x = p0 + b0 * hw;
      if (!direct) im2col_group(&g, x, cols, nb);
      // dw += colsᵀ · dy
      vk_sgemm(true, false, K, g.cout, rows, 1.f, direct ? x : cols, K,
                  p1 + b0 * ohw * g.cout, g.cout, b0 == 0 ? 0.f : 1.f, p2, g.cout);
    }
  }
  free(cols);
  return undefined_value(env);
}

napi_value vk_conv2d(napi_env env, napi_callback_info info) { return conv_entry(env, info, FORWARD); }
napi_value vk_conv2d_backprop_input(napi_env env, napi_callback_info info) { return conv_entry(env, info, BACKPROP_INPUT); }
napi_value vk_conv2d_backprop_filter(napi_env env, napi_callback_info info) { return conv_entry(env, info, BACKPROP_FILTER); }
