// Layout and element-wise kernels the profile of a training step showed hot on the cpu backend's JS loops (which
// compute every element's index with divisions): N-d transpose, broadcasting add/sub/mul/div, and a sum over one
// contiguous block of axes. Plain loops with incremental offsets; nothing in OpenBLAS covers them.
#include <string.h>
#include "napi-util.h"
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

// transpose(x, shape, perm, y): y has shape[perm[i]] along axis i
napi_value vk_transpose(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  size_t xl, yl;
  float *x = f32_arg(env, argv[0], &xl, "transpose: x must be a Float32Array");
  if (!x) return NULL;
  int64_t shape[MAX_RANK], perm[MAX_RANK], istride[MAX_RANK], ostride_in[MAX_RANK], oshape[MAX_RANK], idx[MAX_RANK];
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
    idx[i] = 0;
  }
  const int64_t inner = oshape[r - 1], s = ostride_in[r - 1];
  int64_t base = 0;
  for (int64_t o = 0; o < n; o += inner) {
    const float *src = x + base;
    float *dst = y + o;
    if (s == 1)
      memcpy(dst, src, sizeof(float) * inner);
    else
      for (int64_t j = 0; j < inner; j++) dst[j] = src[j * s];
    // next output row: odometer over the outer axes
    for (int d = r - 2; d >= 0; d--) {
      base += ostride_in[d];
      if (++idx[d] < oshape[d]) break;
      base -= ostride_in[d] * oshape[d];
      idx[d] = 0;
    }
  }
  return undefined_value(env);
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
  int64_t as[MAX_RANK], bs[MAX_RANK], shape[MAX_RANK], idx[MAX_RANK] = {0};
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
  const int64_t inner = shape[r - 1], sa = as[r - 1], sb = bs[r - 1];
  int64_t ao = 0, bo = 0;
  for (int64_t o = 0; o < n; o += inner) {
    const float *pa = a + ao, *pb = b + bo;
    float *py = y + o;
#define LOOP(expr)                                                                         \
  if (sa == 1 && sb == 1)                                                                  \
    for (int64_t j = 0; j < inner; j++) { float u = pa[j], v = pb[j]; py[j] = (expr); }    \
  else if (sa == 1 && sb == 0)                                                             \
    for (int64_t j = 0; j < inner; j++) { float u = pa[j], v = pb[0]; py[j] = (expr); }    \
  else if (sa == 0 && sb == 1)                                                             \
    for (int64_t j = 0; j < inner; j++) { float u = pa[0], v = pb[j]; py[j] = (expr); }    \
  else                                                                                     \
    for (int64_t j = 0; j < inner; j++) { float u = pa[j * sa], v = pb[j * sb]; py[j] = (expr); }
    switch (op) {
      case 0: LOOP(u + v); break;
      case 1: LOOP(u - v); break;
      case 2: LOOP(u * v); break;
      default: LOOP(u / v); break;
    }
#undef LOOP
    for (int d = r - 2; d >= 0; d--) {
      ao += as[d];
      bo += bs[d];
      if (++idx[d] < shape[d]) break;
      ao -= as[d] * shape[d];
      bo -= bs[d] * shape[d];
      idx[d] = 0;
    }
  }
  return undefined_value(env);
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
  for (int64_t o = 0; o < outer; o++) {
    const float *xo = x + o * red * inner;
    float *yo = y + o * inner;
    if (inner == 1) {
      // row sums: double accumulation, like a pairwise sum would give for these lengths
      double s = 0;
      for (int64_t j = 0; j < red; j++) s += xo[j];
      yo[0] = (float)s;
    } else {
      memset(yo, 0, sizeof(float) * inner);
      for (int64_t j = 0; j < red; j++) {
        const float *row = xo + j * inner;
        for (int64_t i = 0; i < inner; i++) yo[i] += row[i];
      }
    }
  }
  return undefined_value(env);
}
