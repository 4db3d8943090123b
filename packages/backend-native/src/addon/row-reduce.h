// Sum, max, dot product and centred sum of squares of a float row for the hand-written row kernels (softmax,
// attention, LayerNorm).
#ifndef VITKIT_ROW_REDUCE_H
#define VITKIT_ROW_REDUCE_H
#include <math.h>
#include <stdint.h>

// Reductions over a row in LANES independent partial results: GCC vectorises them without -ffast-math (one running
// sum or max is an ordered reduction it must keep scalar). Partial sums are float, combined in double at the end.
#define LANES 16

static inline float row_max(const float *x, int64_t n) {
  float m[LANES];
  for (int l = 0; l < LANES; l++) m[l] = -INFINITY;
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) m[l] = x[k + l] > m[l] ? x[k + l] : m[l];
  float mx = -INFINITY;
  for (int l = 0; l < LANES; l++) mx = m[l] > mx ? m[l] : mx;
  for (; k < n; k++) mx = x[k] > mx ? x[k] : mx;
  return mx;
}

static inline float row_dot(const float *a, const float *b, int64_t n) {
  float acc[LANES] = {0};
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += a[k + l] * b[k + l];
  double s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  for (; k < n; k++) s += (double)a[k] * b[k];
  return (float)s;
}

static inline float row_sum(const float *x, int64_t n) {
  float acc[LANES] = {0};
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += x[k + l];
  double s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  for (; k < n; k++) s += x[k];
  return (float)s;
}

// The sum in double lanes, for statistics whose float rounding shows downstream (LayerNorm's mean: with an offset of
// 1000 and a spread of 0.01, float partial sums moved the normalised values by 8e-3, double ones by 4e-3 as before).
static inline double row_sum_f64(const float *x, int64_t n) {
  double acc[LANES] = {0};
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += x[k + l];
  double s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  for (; k < n; k++) s += x[k];
  return s;
}

static inline float row_centered_sq(const float *x, float mean, int64_t n) {
  float acc[LANES] = {0};
  int64_t k = 0;
  for (; k + LANES <= n; k += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += (x[k + l] - mean) * (x[k + l] - mean);
  double s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  for (; k < n; k++) s += (double)(x[k] - mean) * (x[k] - mean);
  return (float)s;
}

#endif
