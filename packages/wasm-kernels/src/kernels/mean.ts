// Mean over a contiguous block of axes that is not the innermost one (BatchNorm statistics over [B, H, W]): the
// stock wasm kernel transposes the reduced axes to the end first. Same loop as the Sum fast path (./sum).
import { tf } from '@vitkit/core';
import { reduceBlock } from './sum';
import { markOwn, runStock } from '../heap/stock-kernels';
import { KernelArgs } from '../heap/wasm-backend';

function mean(args: KernelArgs): tf.TensorInfo {
  return reduceBlock(args, 'count') ?? runStock('Mean', args);
}
markOwn(mean as unknown as tf.KernelFunc);

export const meanConfig: tf.KernelConfig = {
  kernelName: 'Mean',
  backendName: 'wasm',
  kernelFunc: mean as unknown as tf.KernelFunc,
};
