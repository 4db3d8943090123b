// One aggregating registration for the vitkit wasm kernel pack (tfjs style: explicit KernelConfig objects).
import { tf } from '../tf';
import { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul';
import { castConfig } from './cast';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { geluConfig, geluGradConfig } from './gelu';
import { identityConfig } from './identity';
import { layerNormConfig, layerNormGradConfig } from './layer-norm';
import { maxPoolGradConfig } from './max-pool-grad';
import { meanConfig } from './mean';
import { splitVConfig } from './split-v';
import { sumConfig } from './sum';
import { transposeConfig } from './transpose';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';
import { captureStock, isOwn } from './wasm-util';

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

/**
 * Registers the kernel pack for the wasm backend and returns the kernel names. Idempotent. Works before or after
 * the wasm backend is initialised (the kernels set themselves up lazily from the backend they are called with).
 * Stock kernels being replaced are unregistered first and kept as fall-backs.
 */
export function registerWasmKernels(): string[] {
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
