// A grow-only scratch buffer per thread, for the im2col columns of the convolutions. Allocating them per call (tens of
// MiB, which glibc serves with a fresh mmap) cost one page fault per 4 KiB on every call: about as much system time
// as the GEMM itself in a ResNet inference batch (BENCHMARKS.md, "Convolutions in cache-sized tiles").
#ifndef VITKIT_SCRATCH_H
#define VITKIT_SCRATCH_H
#include <stddef.h>

/**
 * At least `floats` floats owned by the calling thread, valid until its next call (contents undefined); NULL when out
 * of memory. Freed when the thread exits.
 */
float *vk_scratch(size_t floats);

#endif
