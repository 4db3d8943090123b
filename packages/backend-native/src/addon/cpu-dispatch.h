// Runtime CPU dispatch for the prebuilt binary (binding.gyp defines VITKIT_PORTABLE for scripts/prebuild.js's
// build). It is compiled for a baseline x86-64-v2 CPU so that it loads everywhere, and at that baseline GCC leaves
// the loops built on fast-math.h's exp and erfc scalar: GELU ran ~20x slower than the -march=native build.
// VK_CPU_CLONES on such a loop makes GCC compile it three times (AVX-512, AVX2+FMA, baseline) and pick one when the
// addon loads (an ifunc, resolved by glibc from cpuid). Only where it was measured to help: GELU and its gradient,
// softmax and exp (LayerNorm's loops were no faster cloned). The from-source build is already compiled for its CPU,
// so there the macro is empty.
#ifndef VITKIT_CPU_DISPATCH_H
#define VITKIT_CPU_DISPATCH_H

#if defined(VITKIT_PORTABLE) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__linux__)
#define VK_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VK_CPU_CLONES
#endif

#endif
