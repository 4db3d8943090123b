#include "parallel.h"
#include <pthread.h>
#ifdef VITKIT_ONEDNN
#include <omp.h>
#endif
#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_THREADS 64
// How long a worker (and the caller waiting for the workers) polls before sleeping: a few tens of microseconds,
// about the gap between two kernels of a training step. Sleeping at once let the scheduler put a woken worker on the
// caller's core, and a step of ~300 short kernels then ran on one core (BENCHMARKS.md, "One thread pool").
#define SPIN_ROUNDS 20000

static pthread_mutex_t use_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int wanted = 1, started = 0;
static atomic_uint_fast64_t generation = 0;
static atomic_int pending = 0;
static atomic_int sleepers = 0;
static uint64_t born_at[MAX_THREADS + 1];  // the generation a worker was created in: its first job is the next one
static struct {
  vk_range_fn fn;
  void *ctx;
  int64_t n, per;
  int chunks;
} job;

static void run_chunk(int c) {
  int64_t b = (int64_t)c * job.per, e = b + job.per;
  if (e > job.n) e = job.n;
  if (b < e) job.fn(job.ctx, b, e, c);
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  uint64_t seen = born_at[id];
  for (;;) {
    uint64_t g;
    int spins = 0;
    while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < SPIN_ROUNDS) {
      CPU_RELAX();
      spins++;
    }
    if (g == seen) {
      pthread_mutex_lock(&lock);
      atomic_fetch_add(&sleepers, 1);
      while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&lock);
    }
    seen = g;
    if (id < job.chunks) {
      run_chunk(id);
      if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&done);
        pthread_mutex_unlock(&lock);
      }
    }
  }
  return NULL;
}

void vk_set_pool_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_mutex_lock(&use_lock);
  wanted = threads;
  pthread_mutex_unlock(&use_lock);
}

int vk_pool_threads(void) { return wanted; }

#ifdef VITKIT_ONEDNN
// With oneDNN in the build its convolutions run on libgomp's OpenMP team. The loops then run on the same team instead
// of this file's pool: two teams on the same cores each spun after their work on the cores the other needed next
// (BENCHMARKS.md, "One thread team").
void vk_parallel_for(int64_t n, int64_t grain, vk_range_fn fn, void *ctx) {
  if (grain < 1) grain = 1;
  int64_t chunks = n / grain;
  if (chunks > wanted) chunks = wanted;
  if (chunks <= 1 || omp_in_parallel()) {
    if (n > 0) fn(ctx, 0, n, 0);
    return;
  }
  const int64_t per = (n + chunks - 1) / chunks;
#pragma omp parallel num_threads((int)chunks)
  {
    // a team smaller than asked for (a thread limit) still runs every chunk
    for (int64_t c = omp_get_thread_num(); c < chunks; c += omp_get_num_threads()) {
      const int64_t b = c * per, e = b + per < n ? b + per : n;
      if (b < e) fn(ctx, b, e, (int)c);
    }
  }
}
#else
void vk_parallel_for(int64_t n, int64_t grain, vk_range_fn fn, void *ctx) {
  if (grain < 1) grain = 1;
  int64_t chunks = n / grain;
  if (chunks > wanted) chunks = wanted;
  if (chunks <= 1 || pthread_mutex_trylock(&use_lock) != 0) {
    if (n > 0) fn(ctx, 0, n, 0);
    return;
  }
  // workers are numbered 1..; chunk 0 runs on the caller
  while (started < chunks - 1) {
    pthread_t t;
    born_at[started + 1] = atomic_load(&generation);
    if (pthread_create(&t, NULL, worker, (void *)(intptr_t)(started + 1)) != 0) break;
    pthread_detach(t);
    started++;
  }
  if (chunks > started + 1) chunks = started + 1;
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.chunks = (int)chunks;
  job.per = (n + chunks - 1) / chunks;
  atomic_store(&pending, (int)chunks - 1);
  // publish the job (release), then wake only if someone sleeps; spinning workers see the new generation
  pthread_mutex_lock(&lock);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  if (atomic_load(&sleepers) > 0) pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  run_chunk(0);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0 && spins < SPIN_ROUNDS) {
    CPU_RELAX();
    spins++;
  }
  if (atomic_load(&pending) > 0) {
    pthread_mutex_lock(&lock);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_unlock(&use_lock);
}
#endif
