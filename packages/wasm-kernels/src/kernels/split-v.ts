// SplitV for the wasm backend (tf.split: the qkv split of every attention layer): each piece is one generated strided
// copy (vector moves when the piece's rows are whole vectors) instead of stock wasm's generic Slice per piece, which
// measured 14 ms for [32,65,576] → 3 × [32,65,192].
import { tf } from '@vitkit/core';
import { stridedCopyFor } from '../jit/simd-gemm';
import { markOwn, runStockOutputs } from '../heap/stock-kernels';
import { asWasmBackend, KernelArgs, ptrOf, release } from '../heap/wasm-backend';

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = (args.attrs ?? {}) as {
    numOrSizeSplits: number | number[];
    axis: number | number[];
  };
  const copy = stridedCopyFor(backend);
  // 4-byte elements only (float32, int32, bool is 1 byte)
  if (!copy || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
    return runStockOutputs('SplitV', args);
  }
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax) as number[];
  const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
  const innerSize = tf.util.sizeFromShape(x.shape.slice(ax + 1));
  const rowBytes = 4 * x.shape[ax] * innerSize;
  const outs: tf.TensorInfo[] = [];
  try {
    for (const s of sizes)
      outs.push(
        backend.makeOutput(
          x.shape.map((d, i) => (i === ax ? s : d)),
          x.dtype
        )
      );
    // Addresses only after every allocation.
    const src = ptrOf(backend, x);
    let offset = 0;
    outs.forEach((out, i) => {
      const width = sizes[i] * innerSize;
      copy(src + 4 * offset, rowBytes, 4, width, outer, ptrOf(backend, out), 4 * width);
      offset += width;
    });
    return outs;
  } catch (e) {
    release(backend, ...outs);
    throw e;
  }
}
markOwn(splitV as unknown as tf.KernelFunc);

export const splitVConfig: tf.KernelConfig = {
  kernelName: 'SplitV',
  backendName: 'wasm',
  kernelFunc: splitV as unknown as tf.KernelFunc,
};
