// Layout and element-wise kernels the profile of a training step showed hot on the cpu backend's JS loops (which
// compute every element's index with divisions): N-d transpose, broadcasting add/sub/mul/div, and a sum over one
// contiguous block of axes. Plain loops with incremental offsets; nothing in OpenBLAS covers them.
#include <string.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

#define MAX_RANK 8

static int dims_arg(napi_env env, napi_value v, int64_t *out, const char *what) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value buf;
  size_t off;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &len, &data, &buf, &off) != napi_ok || type != napi_float64_array || len > MAX_RANK) {
    napi_throw_type_error(env, NULL, what);
    return -1;
  }
  for (size_t i = 0; i < len; i++) out[i] = (int64_t)((double *)data)[i];
  return (int)len;
}

// Work per chunk: at least this many elements, so a wake-up (~10 µs) is small next to the work.
#define GRAIN_ELEMS ((int64_t)1 << 15)
#define GRAIN_ROWS(len) ((len) >= GRAIN_ELEMS ? 1 : GRAIN_ELEMS / ((len) > 0 ? (len) : 1))

typedef struct {
  const float *x;
  float *y;
  int r;
  int64_t inner, s;
  int64_t oshape[MAX_RANK], ostride[MAX_RANK];
} transpose_job;

// output rows [begin, end) (a row = the last output axis)
static void transpose_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const transpose_job *j = ctx;
  int64_t idx[MAX_RANK] = {0}, base = 0, rest = begin;
  for (int d = j->r - 2; d >= 0; d--) {
    idx[d] = rest % j->oshape[d];
    rest /= j->oshape[d];
    base += idx[d] * j->ostride[d];
  }
  for (int64_t row = begin; row < end; row++) {
    const float *src = j->x + base;
    float *dst = j->y + row * j->inner;
    if (j->s == 1)
      memcpy(dst, src, sizeof(float) * j->inner);
    else
      for (int64_t k = 0; k < j->inner; k++) dst[k] = src[k * j->s];
    for (int d = j->r - 2; d >= 0; d--) {
      base += j->ostride[d];
      if (++idx[d] < j->oshape[d]) break;
      base -= j->ostride[d] * j->oshape[d];
      idx[d] = 0;
    }
  }
}

// transpose(x, shape, perm, y): y has shape[perm[i]] along axis i
napi_value vk_transpose(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  size_t xl, yl;
  float *x = f32_arg(env, argv[0], &xl, "transpose: x must be a Float32Array");
  if (!x) return NULL;
  int64_t shape[MAX_RANK], perm[MAX_RANK], istride[MAX_RANK], ostride_in[MAX_RANK] = {0}, oshape[MAX_RANK] = {0};
  int r = dims_arg(env, argv[1], shape, "transpose: shape must be a Float64Array of rank <= 8");
  if (r < 0) return NULL;
  if (dims_arg(env, argv[2], perm, "transpose: perm must be a Float64Array like shape") != r) {
    napi_throw_range_error(env, NULL, "transpose: perm and shape differ in rank");
    return NULL;
  }
  float *y = f32_arg(env, argv[3], &yl, "transpose: y must be a Float32Array");
  if (!y) return NULL;
  int64_t n = 1;
  for (int i = r - 1; i >= 0; i--) {
    istride[i] = n;
    n *= shape[i];
  }
  if ((int64_t)xl != n || (int64_t)yl != n) {
    napi_throw_range_error(env, NULL, "transpose: x and y must hold the shape's elements");
    return NULL;
  }
  if (n == 0) return undefined_value(env);
  if (r == 0) {
    y[0] = x[0];
    return undefined_value(env);
  }
  for (int i = 0; i < r; i++) {
    if (perm[i] < 0 || perm[i] >= r) {
      napi_throw_range_error(env, NULL, "transpose: perm out of range");
      return NULL;
    }
    oshape[i] = shape[perm[i]];
    ostride_in[i] = istride[perm[i]];
  }
  transpose_job job = {x, y, r, oshape[r - 1], ostride_in[r - 1], {0}, {0}};
  memcpy(job.oshape, oshape, sizeof oshape);
  memcpy(job.ostride, ostride_in, sizeof ostride_in);
  vk_parallel_for(n / job.inner, GRAIN_ROWS(job.inner), transpose_rows, &job);
  return undefined_value(env);
}

typedef struct {
  const float *a, *b;
  float *y;
  int op, r;
  int64_t inner;
  int64_t shape[MAX_RANK], as[MAX_RANK], bs[MAX_RANK];
} binary_job;

static void binary_rows(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const binary_job *j = ctx;
  const int r = j->r;
  const int64_t inner = j->inner, sa = j->as[r - 1], sb = j->bs[r - 1];
  int64_t idx[MAX_RANK] = {0}, ao = 0, bo = 0, rest = begin;
  for (int d = r - 2; d >= 0; d--) {
    idx[d] = rest % j->shape[d];
    rest /= j->shape[d];
    ao += idx[d] * j->as[d];
    bo += idx[d] * j->bs[d];
  }
  for (int64_t row = begin; row < end; row++) {
    const float *pa = j->a + ao, *pb = j->b + bo;
    float *py = j->y + row * inner;
#define LOOP(expr)                                                                         \
  if (sa == 1 && sb == 1)                                                                  \
    for (int64_t k = 0; k < inner; k++) { float u = pa[k], v = pb[k]; py[k] = (expr); }    \
  else if (sa == 1 && sb == 0)                                                             \
    for (int64_t k = 0; k < inner; k++) { float u = pa[k], v = pb[0]; py[k] = (expr); }    \
  else if (sa == 0 && sb == 1)                                                             \
    for (int64_t k = 0; k < inner; k++) { float u = pa[0], v = pb[k]; py[k] = (expr); }    \
  else                                                                                     \
    for (int64_t k = 0; k < inner; k++) { float u = pa[k * sa], v = pb[k * sb]; py[k] = (expr); }
    switch (j->op) {
      case 0: LOOP(u + v); break;
      case 1: LOOP(u - v); break;
      case 2: LOOP(u * v); break;
      default: LOOP(u / v); break;
    }
#undef LOOP
    for (int d = r - 2; d >= 0; d--) {
      ao += j->as[d];
      bo += j->bs[d];
      if (++idx[d] < j->shape[d]) break;
      ao -= j->as[d] * j->shape[d];
      bo -= j->bs[d] * j->shape[d];
      idx[d] = 0;
    }
  }
}

// binary(op, a, aStrides, b, bStrides, y, shape): op 0 add, 1 sub, 2 mul, 3 div; strides 0 on broadcast axes
napi_value vk_binary(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 7, argv);
  int64_t op = int_arg(env, argv[0]);
  size_t al, bl, yl;
  float *a = f32_arg(env, argv[1], &al, "binary: a must be a Float32Array");
  if (!a) return NULL;
  float *b = f32_arg(env, argv[3], &bl, "binary: b must be a Float32Array");
  if (!b) return NULL;
  float *y = f32_arg(env, argv[5], &yl, "binary: y must be a Float32Array");
  if (!y) return NULL;
  int64_t as[MAX_RANK] = {0}, bs[MAX_RANK] = {0}, shape[MAX_RANK] = {0};
  int r = dims_arg(env, argv[6], shape, "binary: shape must be a Float64Array of rank <= 8");
  if (r < 0) return NULL;
  if (dims_arg(env, argv[2], as, "binary: aStrides must be a Float64Array") != r || dims_arg(env, argv[4], bs, "binary: bStrides must be a Float64Array") != r) {
    napi_throw_range_error(env, NULL, "binary: strides and shape differ in rank");
    return NULL;
  }
  int64_t n = 1, amax = 0, bmax = 0;
  for (int i = 0; i < r; i++) {
    n *= shape[i];
    if (shape[i] > 0) {
      amax += as[i] * (shape[i] - 1);
      bmax += bs[i] * (shape[i] - 1);
    }
  }
  if ((int64_t)yl != n || (n > 0 && ((size_t)amax >= al || (size_t)bmax >= bl)) || op < 0 || op > 3) {
    napi_throw_range_error(env, NULL, "binary: operands do not fit the shape and strides, or unknown op");
    return NULL;
  }
  if (n == 0) return undefined_value(env);
  if (r == 0) {
    shape[0] = 1;
    as[0] = bs[0] = 0;
    r = 1;
  }
  binary_job job = {a, b, y, (int)op, r, shape[r - 1], {0}, {0}, {0}};
  memcpy(job.shape, shape, sizeof shape);
  memcpy(job.as, as, sizeof as);
  memcpy(job.bs, bs, sizeof bs);
  vk_parallel_for(n / job.inner, GRAIN_ROWS(job.inner), binary_rows, &job);
  return undefined_value(env);
}

typedef struct {
  const float *x;
  float *y;
  int64_t outer, red, inner;
} reduce_job;

static void sum_block(const reduce_job *j, int64_t o, int64_t c0, int64_t c1) {
  const float *xo = j->x + o * j->red * j->inner;
  float *yo = j->y + o * j->inner;
  if (j->inner == 1) {
    double s = 0;  // row sums in double
    for (int64_t k = 0; k < j->red; k++) s += xo[k];
    yo[0] = (float)s;
    return;
  }
  for (int64_t i = c0; i < c1; i++) yo[i] = 0;
  for (int64_t k = 0; k < j->red; k++) {
    const float *row = xo + k * j->inner;
    for (int64_t i = c0; i < c1; i++) yo[i] += row[i];
  }
}

static void reduce_outer(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const reduce_job *j = ctx;
  for (int64_t o = begin; o < end; o++) sum_block(j, o, 0, j->inner);
}

static void reduce_columns(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  sum_block(ctx, 0, begin, end);
}

// reduceSum(x, y, outer, reduce, inner): x as [outer, reduce, inner] summed over the middle axis into y [outer, inner]
napi_value vk_reduce_sum(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 5, argv);
  size_t xl, yl;
  float *x = f32_arg(env, argv[0], &xl, "reduceSum: x must be a Float32Array");
  if (!x) return NULL;
  float *y = f32_arg(env, argv[1], &yl, "reduceSum: y must be a Float32Array");
  if (!y) return NULL;
  int64_t outer = int_arg(env, argv[2]), red = int_arg(env, argv[3]), inner = int_arg(env, argv[4]);
  if (outer < 0 || red < 0 || inner < 0 || (int64_t)xl != outer * red * inner || (int64_t)yl != outer * inner) {
    napi_throw_range_error(env, NULL, "reduceSum: sizes do not match x and y");
    return NULL;
  }
  reduce_job job = {x, y, outer, red, inner};
  if (outer > 1 || inner == 1)
    vk_parallel_for(outer, GRAIN_ROWS(red * inner), reduce_outer, &job);
  else
    vk_parallel_for(inner, GRAIN_ROWS(red), reduce_columns, &job);
  return undefined_value(env);
}

typedef struct {
  const float *src;
  float *dst;
  int64_t src_stride, dst_stride, len;
} rows_job;

static void copy_rows_range(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const rows_job *j = ctx;
  for (int64_t r = b; r < e; r++) memcpy(j->dst + r * j->dst_stride, j->src + r * j->src_stride, sizeof(float) * (size_t)j->len);
}

// copyRows(src, srcOffset, srcStride, dst, dstOffset, dstStride, len, rows): row r's len values from src[srcOffset +
// r·srcStride] to dst[dstOffset + r·dstStride]; SplitV and Concat along an inner axis (one JS set() a row cost ~150 ns)
napi_value vk_copy_rows(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 8, argv);
  F32(0, src, "copyRows: src must be a Float32Array");
  F32(3, dst, "copyRows: dst must be a Float32Array");
  const int64_t so = int_arg(env, argv[1]), ss = int_arg(env, argv[2]), dof = int_arg(env, argv[4]), ds = int_arg(env, argv[5]);
  const int64_t len = int_arg(env, argv[6]), rows = int_arg(env, argv[7]);
  if (rows <= 0 || len <= 0) return undefined_value(env);
  if (so < 0 || dof < 0 || ss < 0 || ds < 0 || so + (rows - 1) * ss + len > (int64_t)src_len || dof + (rows - 1) * ds + len > (int64_t)dst_len) {
    napi_throw_range_error(env, NULL, "copyRows: rows outside src or dst");
    return NULL;
  }
  rows_job j = {.src = src + so, .dst = dst + dof, .src_stride = ss, .dst_stride = ds, .len = len};
  vk_parallel_for(rows, GRAIN_ROWS(len), copy_rows_range, &j);
  return undefined_value(env);
}
