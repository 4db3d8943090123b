// The AdamW parameter update (torch.optim.AdamW's single-tensor step) as one pass over param, grad and both moments:
// the composite tfjs path makes ~12 full-size temporaries per parameter and reads each of them back, this reads four
// arrays and writes three. The arithmetic follows the composite path's float32 order (see adamw.ts in @vitkit/trainer)
// so both agree to rounding; bias corrections are computed once per call in double.
#include <math.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

// A parameter is split over the threads only from 256 K elements on. The optimizer's JavaScript between two parameters
// outlasts the pool's spin, so each split call first waited for a sleeping worker to wake (~20–40 µs on these VMs)
// to save less than that: with 16 K the S config's 56 AdamW calls took 4.8 ms a step on two threads and 2.1 on one;
// now 2.3 (t2t_vit_7's 108: 7.8–9.9 → 5.0 ms).
#define GRAIN_ELEMS ((int64_t)1 << 17)

typedef struct {
  const float *p, *g, *m, *v;
  float *p_out, *m_out, *v_out;
  float beta1, one_minus_beta1, beta2, one_minus_beta2, eps, decay_factor, step_size, sqrt_bc2;
} adamw_job;

// Pointers and scalars as parameters (not read through the job struct) so GCC vectorises the loop: restrict says the
// outputs never alias the inputs, and -fno-math-errno (binding.gyp) makes sqrtf one vector instruction.
static void adamw_span(int64_t n, const float *restrict p, const float *restrict gr, const float *restrict m0, const float *restrict v0,
                       float *restrict p_out, float *restrict m_out, float *restrict v_out, float beta1, float one_minus_beta1, float beta2,
                       float one_minus_beta2, float eps, float decay_factor, float step_size, float sqrt_bc2) {
  for (int64_t i = 0; i < n; i++) {
    float g = gr[i];
    float m = m0[i] * beta1 + g * one_minus_beta1;
    float v = v0[i] * beta2 + (g * g) * one_minus_beta2;
    float denom = sqrtf(v) / sqrt_bc2 + eps;
    m_out[i] = m;
    v_out[i] = v;
    p_out[i] = p[i] * decay_factor - (m / denom) * step_size;
  }
}

static void adamw_range(void *ctx, int64_t begin, int64_t end, int chunk) {
  (void)chunk;
  const adamw_job *j = ctx;
  adamw_span(end - begin, j->p + begin, j->g + begin, j->m + begin, j->v + begin, j->p_out + begin, j->m_out + begin, j->v_out + begin, j->beta1,
             j->one_minus_beta1, j->beta2, j->one_minus_beta2, j->eps, j->decay_factor, j->step_size, j->sqrt_bc2);
}

// adamW(param, grad, m, v, paramOut, mOut, vOut, lr, beta1, beta2, eps, weightDecay, step):
//   m' = β1·m + (1−β1)·g ;  v' = β2·v + (1−β2)·g²
//   param' = param·(1 − lr·wd) − (lr / (1−β1^step)) · m' / (√v' / √(1−β2^step) + ε)
// Outputs may not alias inputs (the backend hands out fresh pooled buffers; see adamw.ts in src/kernels).
napi_value vk_adamw(napi_env env, napi_callback_info info) {
  CHECK_ARGC(env, info, 13, argv);
  size_t n[7];
  float *a[7];
  static const char *const what[7] = {"adamW: param must be a Float32Array", "adamW: grad must be a Float32Array", "adamW: m must be a Float32Array",
                                      "adamW: v must be a Float32Array",     "adamW: paramOut must be a Float32Array", "adamW: mOut must be a Float32Array",
                                      "adamW: vOut must be a Float32Array"};
  for (int i = 0; i < 7; i++) {
    a[i] = f32_arg(env, argv[i], &n[i], what[i]);
    if (!a[i]) return NULL;
  }
  for (int i = 1; i < 7; i++) {
    if (n[i] != n[0]) {
      napi_throw_range_error(env, NULL, "adamW: param, grad, m, v and the three outputs must have the same length");
      return NULL;
    }
  }
  double lr = num_arg(env, argv[7]), beta1 = num_arg(env, argv[8]), beta2 = num_arg(env, argv[9]);
  double eps = num_arg(env, argv[10]), weight_decay = num_arg(env, argv[11]);
  int64_t step = int_arg(env, argv[12]);
  if (step < 1) {
    napi_throw_range_error(env, NULL, "adamW: step must be at least 1 (bias correction divides by 1 − β^step)");
    return NULL;
  }
  double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
  adamw_job job = {
      .p = a[0], .g = a[1], .m = a[2], .v = a[3], .p_out = a[4], .m_out = a[5], .v_out = a[6],
      .beta1 = (float)beta1, .one_minus_beta1 = (float)(1.0 - beta1), .beta2 = (float)beta2, .one_minus_beta2 = (float)(1.0 - beta2),
      .eps = (float)eps, .decay_factor = (float)(1.0 - lr * weight_decay), .step_size = (float)(lr / bc1), .sqrt_bc2 = (float)sqrt(bc2),
  };
  vk_parallel_for((int64_t)n[0], GRAIN_ELEMS, adamw_range, &job);
  return undefined_value(env);
}
