// Sum, max and dot product of a float row for the hand-written row kernels (softmax, attention).
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

#endif
