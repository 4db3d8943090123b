#include "parallel.h"
#include <pthread.h>

#define MAX_THREADS 64

static pthread_mutex_t use_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int wanted = 1, started = 0;
static uint64_t generation = 0;
static int pending = 0;
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
  uint64_t seen = 0;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    int mine = id < job.chunks;
    pthread_mutex_unlock(&lock);
    if (mine) run_chunk(id);
    pthread_mutex_lock(&lock);
    if (mine && --pending == 0) pthread_cond_signal(&done);
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
    if (pthread_create(&t, NULL, worker, (void *)(intptr_t)(started + 1)) != 0) break;
    pthread_detach(t);
    started++;
  }
  if (chunks > started + 1) chunks = started + 1;
  pthread_mutex_lock(&lock);
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.chunks = (int)chunks;
  job.per = (n + chunks - 1) / chunks;
  pending = (int)chunks - 1;
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  run_chunk(0);
  pthread_mutex_lock(&lock);
  while (pending > 0) pthread_cond_wait(&done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&use_lock);
}
