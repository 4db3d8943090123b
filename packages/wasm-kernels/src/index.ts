// vitkit kernel pack for the tfjs wasm backend (tfjs-backend-wasm 4.22): a fast path for every matMul (transposed,
// batched, broadcast), the conv gradients (Conv2DBackpropFilter is missing on stock wasm; Conv2DBackpropInput is a
// scalar loop there), rank >= 5 Transpose, UnsortedSegmentSum (the tf.gather gradient, missing), leading-axis Sum/Mean
// fast paths, a correct MaxPoolGrad, copy-free Identity / same-dtype Cast (the engine clones every tensor it saves
// for backward) and fused LayerNorm / GELU. On the single-threaded build the GEMM, GELU and LayerNorm loops are
// WebAssembly generated at run time (FMA GEMM, SIMD element-wise); see the package README. `registerWasmKernels()`
// registers them all for backend 'wasm' (idempotent; before or after the backend is initialised); the stock kernels
// they replace are kept as fall-backs. It reaches into tfjs-backend-wasm internals, hence the exact peer version.
export { registerWasmKernels, wasmKernelsRegistered, wasmKernelConfigs } from './register-wasm-kernels';
export type { RegisterWasmKernelsOptions } from './register-wasm-kernels';
export { enableFastWasmEngine, fastWasmEngine } from './jit/engine-flags';
export type { FastWasmEngine } from './jit/engine-flags';
export { relaxedSimdAvailable } from './jit/wasm-jit';
export { enableWasmThreads, disableWasmThreads, wasmThreadsCount, wasmThreadsEnabled } from './threads/wasm-threads';
export type { WasmThreadsOptions } from './threads/wasm-threads';
export { batchMatMulConfig, fusedMatMulConfig } from './kernels/batch-mat-mul';
export { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
export { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
export { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum';
export { sumConfig } from './kernels/sum';
export { splitVConfig } from './kernels/split-v';
export { meanConfig } from './kernels/mean';
export { maxPoolGradConfig } from './kernels/max-pool-grad';
export { transposeConfig, collapsePermutation } from './kernels/transpose';
export { identityConfig } from './kernels/identity';
export { castConfig } from './kernels/cast';
export { layerNormConfig, layerNormGradConfig, LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL } from './kernels/layer-norm';
export { geluConfig, geluGradConfig, GELU_KERNEL, GELU_GRAD_KERNEL } from './kernels/gelu';
