// Dropout with tfjs's own random stream: tf.dropout(x, rate, undefined, seed) draws tf.randomUniform from seedrandom's
// Alea generator (seeded from String(seed)) and keeps x/keep where floor(u + keep) = 1. Drawing the same stream here
// gives the same mask bit for bit (so native and wasm train alike from one seed), in one pass that also keeps the mask
// as bits (1/32 of x) for the gradient; threads jump ahead in the stream to their parts. tfjs draws it in JavaScript, then runs Add, Floor, RealDiv and
// Multiply over the whole tensor (6 % of a t2t_vit_7 training step).
#include <math.h>
#include <stdint.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

typedef struct {
  double c, s0, s1, s2;
} alea_state;

// Alea's step, in JavaScript's double arithmetic: the product is rounded before the sum (no fused multiply-add).
static inline double alea_next(alea_state *a) {
  volatile double product = 2091639.0 * a->s0;
  const double t = product + a->c * 2.3283064365386963e-10;  // c·2^-32 is exact
  a->s0 = a->s1;
  a->s1 = a->s2;
  a->c = floor(t);  // t | 0 (0 ≤ t < 2^22)
  return a->s2 = t - a->c;
}

// Jumping ahead, so that threads draw their own parts of the stream. Alea's step is exact integer arithmetic in
// doubles: with x = s·2^32, it is the lag-3 multiply-with-carry generator x_n = (a·x_{n-3} + c) mod 2^32, carry
// c = ⌊(a·x_{n-3} + c) / 2^32⌋, a = 2091639. Its state is one number V = c + a·(x_{n-2} + x_{n-1}·b + x_n·b²) (b = 2^32)
// modulo m = a·b³ − 1, and one step multiplies V by b⁻¹ = a·b² (mod m) (Couture and L'Ecuyer's equivalence of MWC and
// LCG generators), so k steps are one modular power. m < 2^117: 128-bit integers hold every value.
typedef unsigned __int128 u128;
#define ALEA_A 2091639u
static const u128 ALEA_M = ((u128)ALEA_A << 96) - 1;

static u128 mulmod(u128 x, u128 y) {
  u128 r = 0;
  for (; y; y >>= 1) {
    if (y & 1) {
      r += x;
      if (r >= ALEA_M) r -= ALEA_M;
    }
    x <<= 1;  // < 2^118
    if (x >= ALEA_M) x -= ALEA_M;
  }
  return r;
}

/** The state `k` steps after `a`; false (state untouched) for the two degenerate states V ≡ 0, where jumping fails. */
static bool alea_jump(alea_state *a, uint64_t k) {
  const u128 b = (u128)1 << 32;
  const u128 x = (u128)(a->s0 * 4294967296.0) + (u128)(a->s1 * 4294967296.0) * b + (u128)(a->s2 * 4294967296.0) * b * b;
  u128 v = (u128)a->c + (u128)ALEA_A * x;
  if (v == 0 || v == ALEA_M) return false;
  for (u128 step = ((u128)ALEA_A << 64) % ALEA_M; k; k >>= 1, step = mulmod(step, step))
    if (k & 1) v = mulmod(v, step);
  const u128 digits = v / ALEA_A;
  a->c = (double)(uint64_t)(v % ALEA_A);
  a->s0 = (double)(uint32_t)digits / 4294967296.0;
  a->s1 = (double)(uint32_t)(digits >> 32) / 4294967296.0;
  a->s2 = (double)(uint32_t)(digits >> 64) / 4294967296.0;
  return true;
}

typedef struct {
  const float *x;
  float *y;
  uint32_t *bits;
  size_t n;
  alea_state start;
  float keep;
} dropout_job;

// y = x·m with m = floor(u + keep) / keep in float32, u the next value of the stream; bit i of `bits` says whether
// x[i] was kept. keep < 1 in float32, so floor(u + keep) is 0 or 1 and the bit is the whole mask. Mask words [w0, w1).
static void dropout_words(void *ctx, int64_t w0, int64_t w1, int chunk) {
  (void)chunk;
  const dropout_job *j = ctx;
  alea_state a = j->start;
  if (w0 > 0 && !alea_jump(&a, (uint64_t)w0 * 32)) {
    for (int64_t i = 0; i < w0 * 32; i++) alea_next(&a);  // a degenerate state: walk
  }
  const float keep = j->keep, kept = 1.f / keep;  // floor(·)/keep = floor(·)·(1/keep) exactly
  for (int64_t w = w0; w < w1; w++) {
    const size_t i = (size_t)w * 32, end = j->n - i < 32 ? j->n - i : 32;
    uint32_t word = 0;
    for (size_t b = 0; b < end; b++) {
      const float u = (float)alea_next(&a);
      const float m = floorf(u + keep);
      j->y[i + b] = j->x[i + b] * (m * kept);
      word |= (uint32_t)(m != 0.f) << b;
    }
    j->bits[w] = word;
  }
}

typedef struct {
  const float *dy;
  const uint32_t *bits;
  float *dx;
  size_t n;
  float kept;
} masked_job;

// words [b, e) of the mask: dx = dy·(1/keep) where kept, dy·0 elsewhere (as tfjs's dy·multiplier)
static void masked_words(void *ctx, int64_t b, int64_t e, int chunk) {
  (void)chunk;
  const masked_job *j = ctx;
  for (int64_t w = b; w < e; w++) {
    const size_t i0 = (size_t)w * 32, end = j->n - i0 < 32 ? j->n - i0 : 32;
    const uint32_t word = j->bits[w];
    for (size_t k = 0; k < end; k++) j->dx[i0 + k] = j->dy[i0 + k] * ((word >> k) & 1u ? j->kept : 0.f);
  }
}

static bool keep_arg(napi_env env, napi_value v, float *keep) {
  const double k = num_arg(env, v);
  *keep = (float)k;
  if (!(k > 0 && *keep < 1.f)) {
    napi_throw_range_error(env, NULL, "dropout: keep must be in (0, 1) as a float32");
    return false;
  }
  return true;
}

// dropout(x, y, state, keep, bits): state = Float64Array [c, s0, s1, s2] of seedrandom's alea(String(seed)); keep =
// 1 − rate; bits = Int32Array of ⌈n/32⌉ words, the mask for dropoutGrad.
napi_value vk_dropout(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 5, argv);
  F32(0, x, "dropout: x must be a Float32Array");
  F32(1, y, "dropout: y must be a Float32Array");
  size_t sn, bn;
  double *s = f64_arg(env, argv[2], &sn, "dropout: state must be a Float64Array");
  if (!s) return NULL;
  float keep;
  if (!keep_arg(env, argv[3], &keep)) return NULL;
  uint32_t *bits = typed_arg(env, argv[4], napi_int32_array, &bn, "dropout: bits must be an Int32Array");
  if (!bits) return NULL;
  if (sn != 4 || y_len < x_len || bn < (x_len + 31) / 32) {
    napi_throw_range_error(env, NULL, "dropout: state must have 4 entries, y x's length and bits ⌈length/32⌉ words");
    return NULL;
  }
  dropout_job j = {.x = x, .y = y, .bits = bits, .n = x_len, .start = {.c = s[0], .s0 = s[1], .s1 = s[2], .s2 = s[3]}, .keep = keep};
  // a thread takes at least 2048 words (64 K elements): a jump costs ~10 µs
  vk_parallel_for((int64_t)((x_len + 31) / 32), 2048, dropout_words, &j);
  return undefined_value(env);
}

// dropoutGrad(dy, bits, dx, keep): dx of dropout from its mask
napi_value vk_dropout_grad(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 4, argv);
  F32(0, dy, "dropoutGrad: dy must be a Float32Array");
  size_t bn;
  uint32_t *bits = typed_arg(env, argv[1], napi_int32_array, &bn, "dropoutGrad: bits must be an Int32Array");
  if (!bits) return NULL;
  F32(2, dx, "dropoutGrad: dx must be a Float32Array");
  float keep;
  if (!keep_arg(env, argv[3], &keep)) return NULL;
  if (dx_len < dy_len || bn < (dy_len + 31) / 32) {
    napi_throw_range_error(env, NULL, "dropoutGrad: dx must have dy's length and bits ⌈length/32⌉ words");
    return NULL;
  }
  masked_job j = {.dy = dy, .bits = bits, .dx = dx, .n = dy_len, .kept = 1.f / keep};
  vk_parallel_for((int64_t)((dy_len + 31) / 32), 1024, masked_words, &j);
  return undefined_value(env);
}
