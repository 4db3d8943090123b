// One aggregating registration for the vitkit wasm kernel pack (tfjs style: explicit KernelConfig objects).
import { tf } from '@vitkit/core';
import { batchMatMulConfig, fusedMatMulConfig } from './kernels/batch-mat-mul';
import { castConfig } from './kernels/cast';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { geluConfig, geluGradConfig } from './kernels/gelu';
import { identityConfig } from './kernels/identity';
import { layerNormConfig, layerNormGradConfig } from './kernels/layer-norm';
import { maxPoolGradConfig } from './kernels/max-pool-grad';
import { meanConfig } from './kernels/mean';
import { splitVConfig } from './kernels/split-v';
import { sumConfig } from './kernels/sum';
import { transposeConfig } from './kernels/transpose';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum';
import { captureStock, isOwn } from './heap/stock-kernels';
import { enableFastWasmEngine } from './jit/engine-flags';

/** Every kernel of the pack, registered for backend 'wasm'. */
export const wasmKernelConfigs: readonly tf.KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  unsortedSegmentSumConfig,
  sumConfig,
  meanConfig,
  maxPoolGradConfig,
  transposeConfig,
  identityConfig,
  castConfig,
  layerNormConfig,
  layerNormGradConfig,
  geluConfig,
  geluGradConfig,
  splitVConfig,
];

export interface RegisterWasmKernelsOptions {
  /**
   * Also call `enableFastWasmEngine()`: lets the pack change two process-wide V8 settings for speed. For
   * applications only (the vitkit CLI does); default false, so registering never touches the host's engine.
   */
  fastEngine?: boolean;
}

/**
 * Registers the kernel pack for the wasm backend and returns the kernel names. Idempotent. Works before or after
 * the wasm backend is initialised (the kernels set themselves up lazily from the backend they are called with).
 * Stock kernels being replaced are unregistered first and kept as fall-backs.
 */
export function registerWasmKernels(options: RegisterWasmKernelsOptions = {}): string[] {
  if (options.fastEngine) enableFastWasmEngine();
  try {
    // The wasm package registers its stock kernels when it is loaded; load it first so it cannot overwrite ours later.
    require('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw new Error(
      `registerWasmKernels: @tensorflow/tfjs-backend-wasm is not installed (npm install @tensorflow/tfjs-backend-wasm): ${
        (e as Error).message
      }`
    );
  }
  const names: string[] = [];
  for (const cfg of wasmKernelConfigs) {
    names.push(cfg.kernelName);
    const current = tf.getKernel(cfg.kernelName, 'wasm');
    if (current && current.kernelFunc === cfg.kernelFunc) continue;
    if (current) {
      if (!isOwn(current.kernelFunc)) captureStock(cfg.kernelName);
      tf.unregisterKernel(cfg.kernelName, 'wasm');
    }
    // Keep the stock setupFunc: other stock kernels call the replaced kernel's module-level function directly
    // (stock Sum calls stock transpose), and that function is only bound when its setup runs at backend init.
    tf.registerKernel({ ...cfg, setupFunc: cfg.setupFunc ?? current?.setupFunc });
  }
  return names;
}

/** True when every kernel of the pack is the one registered for 'wasm'. */
export function wasmKernelsRegistered(): boolean {
  return wasmKernelConfigs.every((cfg) => tf.getKernel(cfg.kernelName, 'wasm')?.kernelFunc === cfg.kernelFunc);
}
