// vitkit kernel pack for the tfjs wasm backend (tfjs-backend-wasm 4.22): a fast path for every matMul (transposed,
// batched, broadcast), the conv gradients (Conv2DBackpropFilter is missing on stock wasm; Conv2DBackpropInput is a
// scalar loop there), rank >= 5 Transpose, UnsortedSegmentSum (the tf.gather gradient, missing), leading-axis Sum/Mean
// fast paths, a correct MaxPoolGrad, copy-free Identity / same-dtype Cast (the engine clones every tensor it saves
// for backward) and fused LayerNorm / GELU. On the single-threaded build the GEMM, GELU and LayerNorm loops are
// WebAssembly generated at run time (FMA GEMM, SIMD element-wise); see the package README. `registerWasmKernels()`
// registers them all for backend 'wasm' (idempotent; before or after the backend is initialised); the stock kernels
// they replace are kept as fall-backs.
export { registerWasmKernels, wasmKernelsRegistered, wasmKernelConfigs } from './register-wasm-kernels';
export { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
export { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
export { conv2DBackpropInputConfig } from './conv2d-backprop-input';
export { unsortedSegmentSumConfig } from './unsorted-segment-sum';
export { sumConfig } from './sum';
export { splitVConfig } from './split-v';
export { meanConfig } from './mean';
export { maxPoolGradConfig } from './max-pool-grad';
export { transposeConfig, collapsePermutation } from './transpose';
export { identityConfig } from './identity';
export { castConfig } from './cast';
export { layerNormConfig, layerNormGradConfig, LAYER_NORM, LAYER_NORM_GRAD } from './layer-norm';
export { geluConfig, geluGradConfig, GELU, GELU_GRAD } from './gelu';
