// 2-D convolution (NHWC input, HWIO filter, any stride, dilation and padding), forward and both gradients: through
// oneDNN where the build has it (conv-onednn.c), else as im2col + OpenBLAS GEMM, below. The forward pass works in tiles of output pixels whose columns fit in a core's cache: each thread
// writes a tile's columns and multiplies them at once, while they are still in cache (one whole-batch column buffer
// went to memory and back). The gradients use one GEMM per group of images. Neither OpenBLAS nor tfjs offers
// im2col/col2im on Node memory. oneDNN's direct convolutions are 2–2.5× faster on ResNet's layers
// (BENCHMARKS.md, "Convolutions through oneDNN"); this path is what a build without it runs (the prebuilt binary).
#include <stdatomic.h>
#include <string.h>
#include "conv.h"
#include "napi-util.h"
#include "parallel.h"
#include "scratch.h"
#include "sgemm.h"
#include "vitkit-native.h"

// The gradients' column buffer stays under this many floats (16 MiB); images are grouped up to it. Still thousands of
// GEMM rows for the widest ResNet columns (3·3·512), and the buffer is kept per thread (scratch.h), so it is the most
// a thread holds.
#define COL_BUDGET ((int64_t)4 << 20)
// A forward tile's columns: about 1 MiB (half of a Zen core's L2 plus L3 share), so that OpenBLAS packs them from
// cache.
#define TILE_FLOATS ((int64_t)1 << 18)
// ... but at least this many rows: OpenBLAS packs the whole filter for every product, which costs as much as a
// product of about this many rows would lose.
#define TILE_MIN_ROWS 128
#define TILE_ALIGN 16

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

// row[(ky·kw + kx)·cin + c] = x[iy, ix, c] (0 outside): the receptive field of output pixel (oy, ox) of one image.
static void im2col_pixel(const geometry *g, const float *x, float *row, int64_t oy, int64_t ox) {
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

// cols[(oy·wo + ox)·K + ...] for output rows [oy0, oy1) of one image.
static void im2col_rows(const geometry *g, const float *x, float *cols, int64_t oy0, int64_t oy1) {
  const int64_t K = g->kh * g->kw * g->cin;
  for (int64_t oy = oy0; oy < oy1; oy++)
    for (int64_t ox = 0; ox < g->wo; ox++) im2col_pixel(g, x, cols + (oy * g->wo + ox) * K, oy, ox);
}

// cols[(r - r0)·K + ...] for output pixels [r0, r1) of the whole batch (pixel r = (image, oy, ox) in NHWC order),
// which may span images.
static void im2col_pixels(const geometry *g, const float *x, float *cols, int64_t r0, int64_t r1) {
  const int64_t K = g->kh * g->kw * g->cin, hw = g->h * g->w * g->cin, ohw = g->ho * g->wo;
  int64_t i = r0 / ohw, oy = (r0 % ohw) / g->wo, ox = r0 % g->wo;
  for (int64_t r = r0; r < r1; r++) {
    im2col_pixel(g, x + i * hw, cols + (r - r0) * K, oy, ox);
    if (++ox == g->wo) {
      ox = 0;
      if (++oy == g->ho) {
        oy = 0;
        i++;
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

typedef struct {
  const geometry *g;
  const float *x, *w;
  float *y;
  int64_t pixels, tile;
  atomic_bool out_of_memory;
} forward_job;

// Tiles [begin, end) of the forward pass: columns into this thread's scratch, then y[tile rows] = cols · w.
static void forward_tiles(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  forward_job *j = ctx;
  const geometry *g = j->g;
  const int64_t K = g->kh * g->kw * g->cin;
  float *cols = vk_scratch((size_t)(j->tile * K));
  if (!cols) {
    atomic_store(&j->out_of_memory, true);
    return;
  }
  for (int64_t t = begin; t < end; t++) {
    const int64_t r0 = t * j->tile, r1 = r0 + j->tile < j->pixels ? r0 + j->tile : j->pixels;
    im2col_pixels(g, j->x, cols, r0, r1);
    vk_sgemm_here(false, false, r1 - r0, g->cout, K, 1.f, cols, K, j->w, g->cout, 0.f, j->y + r0 * g->cout, g->cout);
  }
}

// Rows per forward tile: cache-sized, but small enough that every thread gets one.
static int64_t tile_rows(const geometry *g, int64_t pixels) {
  const int64_t K = g->kh * g->kw * g->cin;
  int64_t t = TILE_FLOATS / K / TILE_ALIGN * TILE_ALIGN;
  if (t < TILE_MIN_ROWS) t = TILE_MIN_ROWS;
  const int threads = vk_pool_threads();
  const int64_t share = ((pixels + threads - 1) / threads + TILE_ALIGN - 1) / TILE_ALIGN * TILE_ALIGN;
  return t < share ? t : share;
}

static bool conv_forward(napi_env env, const geometry *g, const float *x, const float *w, float *y) {
  const int64_t pixels = g->batch * g->ho * g->wo;
  if (is_pointwise(g)) {
    vk_sgemm(false, false, pixels, g->cout, g->cin, 1.f, x, g->cin, w, g->cout, 0.f, y, g->cout);
    return true;
  }
  forward_job job = {.g = g, .x = x, .w = w, .y = y, .pixels = pixels, .tile = tile_rows(g, pixels)};
  atomic_init(&job.out_of_memory, false);
  vk_parallel_for((pixels + job.tile - 1) / job.tile, 1, forward_tiles, &job);
  if (atomic_load(&job.out_of_memory)) {
    napi_throw_error(env, NULL, "conv2d: out of memory for the im2col tile");
    return false;
  }
  return true;
}

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
  if (g.batch * ohw == 0) {
    memset(p2, 0, sizeof(float) * (size_t)need[pass][2]);
    return undefined_value(env);
  }
  if (vk_onednn_conv(pass, &g, p0, p1, p2)) return undefined_value(env);
  if (pass == BACKPROP_INPUT) memset(p2, 0, sizeof(float) * (size_t)xs);
  if (pass == FORWARD) return conv_forward(env, &g, p0, p1, p2) ? undefined_value(env) : NULL;
  const bool direct = is_pointwise(&g);
  const int64_t group = group_size(&g);
  float *cols = direct ? NULL : vk_scratch((size_t)(group * ohw * K));
  if (!direct && !cols) {
    napi_throw_error(env, NULL, "conv2d: out of memory for the im2col buffer");
    return NULL;
  }
  for (int64_t b0 = 0; b0 < g.batch; b0 += group) {
    const int64_t nb = g.batch - b0 < group ? g.batch - b0 : group;
    const int64_t rows = nb * ohw;
    if (pass == BACKPROP_INPUT) {
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
  return undefined_value(env);
}

napi_value vk_conv2d(napi_env env, napi_callback_info info) { return conv_entry(env, info, FORWARD); }
napi_value vk_conv2d_backprop_input(napi_env env, napi_callback_info info) { return conv_entry(env, info, BACKPROP_INPUT); }
napi_value vk_conv2d_backprop_filter(napi_env env, napi_callback_info info) { return conv_entry(env, info, BACKPROP_FILTER); }

// convLibrary(useOneDnn?): with a boolean, turns the oneDNN path on or off (tests run both); returns what the
// convolutions run on now: "oneDNN x.y.z" or "im2col + OpenBLAS".
napi_value vk_conv_library(napi_env env, napi_callback_info info) {
  const int use = optional_switch_arg(env, info, "convLibrary: the argument must be a boolean or absent");
  if (use == -2) return NULL;
  if (use >= 0) vk_onednn_enable(use == 1);
  const char *v = vk_onednn_version();
  napi_value r;
  napi_create_string_utf8(env, v ? v : "im2col + OpenBLAS", NAPI_AUTO_LENGTH, &r);
  return r;
}
