// Identity (tf.clone) for the wasm backend without a copy. The engine clones every tensor it saves for the backward
// pass (saveTensorsForBackwardMode), and stock wasm Identity copies the data each time: on the ViT-S benchmark that
// is ~340 copies and ~130 ms per training step, and it doubles the tape's memory. tfjs tensors are immutable (a
// Variable's assign swaps its dataId), so sharing the data under a reference count, like the cpu backend and the
// stock wasm Reshape do, is safe.
import { tf } from '@vitkit/core';
import { markOwn, runStock } from '../heap/stock-kernels';
import { asWasmBackend, KernelArgs } from '../heap/wasm-backend';

/** Shares `x`'s data (one more reference) under a new tensor; strings keep the stock path. */
export function shareData(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function identity(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  return x.dtype === 'string' ? runStock('Identity', args) : shareData(args);
}
markOwn(identity as unknown as tf.KernelFunc);

export const identityConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
