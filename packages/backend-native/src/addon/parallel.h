// A small fork-join pool for the hand-written loops, so element-wise work uses the same cores as OpenBLAS's GEMMs
// (OpenBLAS has no public parallel-for). Workers sleep on a condition variable between jobs (no spinning that would
// compete with OpenBLAS's own threads). One job at a time: a concurrent caller (another worker_thread) runs inline.
#ifndef VITKIT_PARALLEL_H
#define VITKIT_PARALLEL_H
#include <stdint.h>

typedef void (*vk_range_fn)(void *ctx, int64_t begin, int64_t end, int chunk);

/** Splits [0, n) into at most vk_pool_threads() contiguous chunks of at least `grain` items and runs fn on each. */
void vk_parallel_for(int64_t n, int64_t grain, vk_range_fn fn, void *ctx);
/** Threads used by vk_parallel_for (the caller's included); 1 runs everything inline. */
void vk_set_pool_threads(int threads);
int vk_pool_threads(void);

#endif
