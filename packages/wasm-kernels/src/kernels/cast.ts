// Cast for the wasm backend: a cast to the tensor's own dtype shares the data instead of copying it. The gradients
// of Mul, Div, clone and others cast float32 to float32 on every backward pass (~70 copies per ViT-S step).
import { tf } from '@vitkit/core';
import { shareData } from './identity';
import { markOwn, runStock } from '../heap/stock-kernels';
import { KernelArgs } from '../heap/wasm-backend';

function cast(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = (args.attrs ?? {}) as { dtype?: tf.DataType };
  return dtype === x.dtype && dtype !== 'string' ? shareData(args) : runStock('Cast', args);
}
markOwn(cast as unknown as tf.KernelFunc);

export const castConfig: tf.KernelConfig = {
  kernelName: 'Cast',
  backendName: 'wasm',
  kernelFunc: cast as unknown as tf.KernelFunc,
};
