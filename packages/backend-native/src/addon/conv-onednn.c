// Convolutions through oneDNN (libdnnl), forward and both gradients, on vitkit's NHWC activations and HWIO filters.
// oneDNN's direct convolutions (JIT-compiled for this CPU's vector width) beat im2col + GEMM by 2–2.5× on ResNet's
// layers, where the column copies and the GEMM's packing cost as much as the arithmetic; it is also what PyTorch
// runs on the CPU. The activations stay in vitkit's NHWC layout (oneDNN's kernels read it directly, measured as fast
// as its blocked layouts once the reorders are counted); only the filter is reordered, into the layout the primitive
// asks for, on every call (the filter changes every training step; the reorder is small beside the convolution).
//
// Creating a primitive descriptor costs far more than a small convolution, so the primitives are cached by pass and
// geometry (a model has a few dozen shapes). They are created with a user-managed scratchpad, so one primitive may
// run on several threads at once (worker_threads replicas): the reordered filter and the scratchpad live in the
// calling thread's scratch buffer.
#include "conv.h"
#include <stdlib.h>
#include <string.h>

#ifdef VITKIT_ONEDNN
#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include "parallel.h"
#include "scratch.h"

// Enough for every convolution of a ResNet-101 at two input sizes, each way; the least recently used goes first.
#define CACHE_SIZE 256
#define ALIGN 64

typedef struct {
  bool used;
  conv_pass pass;
  geometry g;
  uint64_t last_use;
  dnnl_primitive_t prim;       // NULL: oneDNN has no primitive for this geometry (remembered, not retried)
  dnnl_primitive_t reorder;    // user filter <-> the primitive's filter layout; NULL when they are the same
  dnnl_memory_desc_t user_w;   // HWIO as oneDNN describes it (dims O, I, H, W)
  dnnl_memory_desc_t prim_w;   // the primitive's filter (or filter gradient) layout
  dnnl_memory_desc_t act_in;   // forward: x; input gradient: dy; filter gradient: x
  dnnl_memory_desc_t act_out;  // forward: y; input gradient: dx; filter gradient: dy
  dnnl_memory_desc_t scratchpad;
} conv_entry;

static conv_entry cache[CACHE_SIZE];
static uint64_t clock_ticks;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static bool engine_ok;
static bool enabled = true;
static char version[32];

static void make_engine(void) {
  engine_ok = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success;
  const dnnl_version_t *v = dnnl_version();
  snprintf(version, sizeof version, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
}

// One stream per thread: a stream is not meant to be used from two threads at once.
static __thread dnnl_stream_t thread_stream;

static dnnl_stream_t stream(void) {
  if (!thread_stream && dnnl_stream_create(&thread_stream, engine, dnnl_stream_default_flags) != dnnl_success) thread_stream = NULL;
  return thread_stream;
}

static bool same_geometry(const geometry *a, const geometry *b) { return memcmp(a, b, sizeof *a) == 0; }

static bool plain(dnnl_memory_desc_t *md, int64_t n, int64_t c, int64_t h, int64_t w, dnnl_format_tag_t tag) {
  const dnnl_dims_t dims = {n, c, h, w};
  return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag) == dnnl_success;
}

// Fills e's primitive for its pass and geometry; false when oneDNN has none (e.g. a right padding below zero, which
// tfjs's 'valid' with a stride that does not divide the input gives and oneDNN refuses).
static bool create(conv_entry *e) {
  const geometry *g = &e->g;
  const int64_t pad_bottom = (g->ho - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->h - g->pad_top;
  const int64_t pad_right = (g->wo - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->w - g->pad_left;
  if (pad_bottom < 0 || pad_right < 0) return false;
  const dnnl_dims_t strides = {g->sh, g->sw}, dilates = {g->dh - 1, g->dw - 1};
  const dnnl_dims_t pad_l = {g->pad_top, g->pad_left}, pad_r = {pad_bottom, pad_right};
  dnnl_memory_desc_t x, y, w_any;
  if (!plain(&x, g->batch, g->cin, g->h, g->w, dnnl_nhwc) || !plain(&y, g->batch, g->cout, g->ho, g->wo, dnnl_nhwc) ||
      !plain(&e->user_w, g->cout, g->cin, g->kh, g->kw, dnnl_hwio) || !plain(&w_any, g->cout, g->cin, g->kh, g->kw, dnnl_format_tag_any))
    return false;

  dnnl_primitive_attr_t attr;
  if (dnnl_primitive_attr_create(&attr) != dnnl_success) return false;
  dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
  dnnl_convolution_desc_t fwd, desc;
  dnnl_primitive_desc_t hint = NULL, pd = NULL;
  bool ok = false;
  if (e->pass == FORWARD) {
    ok = dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &x, &w_any, NULL, &y, strides,
                                                    dilates, pad_l, pad_r) == dnnl_success &&
         dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success;
  } else {
    // the gradients' descriptors need the forward (training) one as a hint
    ok = dnnl_dilated_convolution_forward_desc_init(&fwd, dnnl_forward_training, dnnl_convolution_direct, &x, &w_any, NULL, &y, strides, dilates,
                                                    pad_l, pad_r) == dnnl_success &&
         dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success;
    if (ok && e->pass == BACKPROP_INPUT)
      ok = dnnl_dilated_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, &x, &w_any, &y, strides, dilates, pad_l, pad_r) == dnnl_success;
    else if (ok)
      ok = dnnl_dilated_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, &x, &w_any, NULL, &y, strides, dilates, pad_l, pad_r) ==
           dnnl_success;
    ok = ok && dnnl_primitive_desc_create(&pd, &desc, attr, engine, hint) == dnnl_success;
  }
  dnnl_primitive_attr_destroy(attr);
  if (hint) dnnl_primitive_desc_destroy(hint);
  if (!ok) {
    if (pd) dnnl_primitive_desc_destroy(pd);
    return false;
  }
  const dnnl_query_t w_query = e->pass == BACKPROP_FILTER ? dnnl_query_diff_weights_md : dnnl_query_weights_md;
  e->prim_w = *dnnl_primitive_desc_query_md(pd, w_query, 0);
  e->scratchpad = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  e->act_in = e->pass == BACKPROP_INPUT ? y : x;
  e->act_out = e->pass == BACKPROP_INPUT ? x : y;
  ok = dnnl_primitive_create(&e->prim, pd) == dnnl_success;
  dnnl_primitive_desc_destroy(pd);
  if (!ok) return false;
  e->reorder = NULL;
  if (!dnnl_memory_desc_equal(&e->prim_w, &e->user_w)) {
    dnnl_primitive_desc_t rpd;
    const dnnl_memory_desc_t *from = e->pass == BACKPROP_FILTER ? &e->prim_w : &e->user_w;
    const dnnl_memory_desc_t *to = e->pass == BACKPROP_FILTER ? &e->user_w : &e->prim_w;
    ok = dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, NULL) == dnnl_success;
    ok = ok && dnnl_primitive_create(&e->reorder, rpd) == dnnl_success;
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (!ok) {
      dnnl_primitive_destroy(e->prim);
      e->prim = NULL;
      return false;
    }
  }
  return true;
}

// The cached entry of this pass and geometry, created on first use; its primitive is NULL where oneDNN has none.
// Entries are never changed once made, only evicted, so a copy taken under the lock is safe to run from.
static bool lookup(conv_pass pass, const geometry *g, conv_entry *out) {
  pthread_mutex_lock(&cache_lock);
  conv_entry *slot = NULL, *oldest = &cache[0];
  for (int i = 0; i < CACHE_SIZE && !slot; i++) {
    conv_entry *e = &cache[i];
    if (e->used && e->pass == pass && same_geometry(&e->g, g)) slot = e;
    else if (!e->used || (oldest->used && e->last_use < oldest->last_use)) oldest = e;
  }
  if (!slot) {
    slot = oldest;
    if (slot->used) {
      // an evicted primitive may still be running on another thread: keep it alive (a leak bounded by the
      // number of shapes a process cycles through, far below one per call)
      slot->used = false;
    }
    memset(slot, 0, sizeof *slot);
    slot->pass = pass;
    slot->g = *g;
    slot->used = true;
    if (!create(slot)) slot->prim = NULL;
  }
  slot->last_use = ++clock_ticks;
  *out = *slot;
  pthread_mutex_unlock(&cache_lock);
  return out->prim != NULL;
}

static size_t round_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

static bool run(const conv_entry *e, const float *p0, const float *p1, float *p2) {
  dnnl_stream_t s = stream();
  if (!s) return false;
  const size_t w_bytes = e->reorder ? round_up(dnnl_memory_desc_get_size(&e->prim_w)) : 0;
  const size_t pad_bytes = round_up(dnnl_memory_desc_get_size(&e->scratchpad));
  float *scratch = vk_scratch((w_bytes + pad_bytes + ALIGN) / sizeof(float) + 1);
  if (!scratch) return false;
  char *base = (char *)(((uintptr_t)scratch + ALIGN - 1) / ALIGN * ALIGN);
  void *prim_w_data = base, *pad_data = base + w_bytes;

  // the filter operand: w for the forward pass and the input gradient, dw (the output) for the filter gradient
  float *user_w = e->pass == FORWARD || e->pass == BACKPROP_INPUT ? (float *)p1 : p2;
  const float *act_in = p0;
  float *act_out = e->pass == BACKPROP_FILTER ? (float *)p1 : p2;
  dnnl_memory_t m_in = NULL, m_out = NULL, m_user_w = NULL, m_prim_w = NULL, m_pad = NULL;
  bool ok = dnnl_memory_create(&m_in, &e->act_in, engine, (void *)act_in) == dnnl_success &&
            dnnl_memory_create(&m_out, &e->act_out, engine, act_out) == dnnl_success &&
            dnnl_memory_create(&m_user_w, &e->user_w, engine, user_w) == dnnl_success &&
            dnnl_memory_create(&m_pad, &e->scratchpad, engine, pad_data) == dnnl_success &&
            (!e->reorder || dnnl_memory_create(&m_prim_w, &e->prim_w, engine, prim_w_data) == dnnl_success);
  dnnl_memory_t m_w = e->reorder ? m_prim_w : m_user_w;
  // signals wait until the JIT code has run, as around oneDNN's sgemm (sgemm.c says why)
  sigset_t all_signals, before;
  sigfillset(&all_signals);
  pthread_sigmask(SIG_BLOCK, &all_signals, &before);
  if (ok && e->reorder && e->pass != BACKPROP_FILTER) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, m_user_w}, {DNNL_ARG_TO, m_prim_w}};
    ok = dnnl_primitive_execute(e->reorder, s, 2, args) == dnnl_success;
  }
  if (ok) {
    dnnl_exec_arg_t args[4];
    if (e->pass == FORWARD) {
      args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, m_in};
      args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, m_w};
      args[2] = (dnnl_exec_arg_t){DNNL_ARG_DST, m_out};
    } else if (e->pass == BACKPROP_INPUT) {
      args[0] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, m_in};
      args[1] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, m_w};
      args[2] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, m_out};
    } else {
      args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, m_in};
      args[1] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, m_out};
      args[2] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, m_w};
    }
    args[3] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m_pad};
    ok = dnnl_primitive_execute(e->prim, s, 4, args) == dnnl_success;
  }
  if (ok && e->reorder && e->pass == BACKPROP_FILTER) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, m_prim_w}, {DNNL_ARG_TO, m_user_w}};
    ok = dnnl_primitive_execute(e->reorder, s, 2, args) == dnnl_success;
  }
  ok = ok && dnnl_stream_wait(s) == dnnl_success;
  pthread_sigmask(SIG_SETMASK, &before, NULL);
  dnnl_memory_t all[5] = {m_in, m_out, m_user_w, m_prim_w, m_pad};
  for (int i = 0; i < 5; i++)
    if (all[i]) dnnl_memory_destroy(all[i]);
  return ok;
}

bool vk_onednn_conv(conv_pass pass, const geometry *g, const float *p0, const float *p1, float *p2) {
  if (!enabled) return false;
  pthread_once(&engine_once, make_engine);
  if (!engine_ok) return false;
  // oneDNN's OpenMP team takes as many threads as vitkit's pool, so one setting governs both; set before the lookup,
  // since a primitive divides its work for the thread count it is created with
  omp_set_num_threads(vk_pool_threads());
  conv_entry e;
  return lookup(pass, g, &e) && run(&e, p0, p1, p2);
}

const char *vk_onednn_version(void) {
  pthread_once(&engine_once, make_engine);
  return enabled && engine_ok ? version : NULL;
}

void vk_onednn_enable(bool on) { enabled = on; }

#else

bool vk_onednn_conv(conv_pass pass, const geometry *g, const float *p0, const float *p1, float *p2) {
  (void)pass, (void)g, (void)p0, (void)p1, (void)p2;
  return false;
}

const char *vk_onednn_version(void) { return NULL; }

void vk_onednn_enable(bool on) { (void)on; }

#endif
