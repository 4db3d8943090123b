// Argument helpers for the N-API entry points: every check failure throws a JS TypeError naming the argument.
#ifndef VITKIT_NAPI_UTIL_H
#define VITKIT_NAPI_UTIL_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_ARGC(env, info, n, argv)                                                        \
  size_t argc_ = (n);                                                                          \
  napi_value argv[(n) > 0 ? (n) : 1];                                                          \
  if (napi_get_cb_info((env), (info), &argc_, argv, NULL, NULL) != napi_ok || argc_ < (n)) {   \
    napi_throw_type_error((env), NULL, "vitkit native: wrong number of arguments");            \
    return NULL;                                                                               \
  }

// Data pointer of a typed array of the given type (already at the view's byte offset) and its element count; NULL after
// throwing `what`. An empty view may have a NULL data pointer: a dummy is returned then, which callers never touch.
static inline void *typed_arg(napi_env env, napi_value v, napi_typedarray_type want, size_t *len, const char *what) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buf;
  size_t off;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &length, &data, &buf, &off) != napi_ok || type != want) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  if (len) *len = length;
  static double dummy;
  return data ? data : &dummy;
}

static inline float *f32_arg(napi_env env, napi_value v, size_t *len, const char *what) {
  return (float *)typed_arg(env, v, napi_float32_array, len, what);
}

// Declares `float *var` and `size_t var##_len` from argv[i], returning NULL (after throwing `what`) when it is not a Float32Array.
#define F32(i, var, what)                                \
  size_t var##_len;                                      \
  float *var = f32_arg(env, argv[i], &var##_len, what);  \
  if (!var) return NULL;

static inline double *f64_arg(napi_env env, napi_value v, size_t *len, const char *what) {
  return (double *)typed_arg(env, v, napi_float64_array, len, what);
}

static inline double num_arg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

static inline int64_t int_arg(napi_env env, napi_value v) {
  int64_t i = 0;
  napi_get_value_int64(env, v, &i);
  return i;
}

static inline bool bool_arg(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

// The optional boolean first argument of a library switch (convLibrary, gemmLibrary): 1 or 0 when given, -1 when
// absent; -2 after throwing `what` for anything else.
static inline int optional_switch_arg(napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type == napi_undefined) return -1;
  bool on = false;
  if (type != napi_boolean || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return -2;
  }
  return on ? 1 : 0;
}

static inline napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

#endif
