// UnsortedSegmentSum for the wasm backend (missing on stock wasm; it is the gradient of tf.gather). A JS loop on the
// heap with float64 accumulators, like the cpu backend. Ids outside [0, numSegments) are dropped (TensorFlow semantics).
import { tf } from '@vitkit/core';
import { markOwn } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, i32Of, KernelArgs } from '../heap/wasm-backend';

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, segmentIds } = args.inputs as {
    x: tf.TensorInfo;
    segmentIds: tf.TensorInfo;
  };
  const { numSegments } = (args.attrs ?? {}) as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32 x, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  const idRank = segmentIds.shape.length;
  tf.util.assert(
    x.shape.slice(0, idRank).every((d, i) => d === segmentIds.shape[i]),
    () => `UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} must be a prefix of x shape ${x.shape}`
  );
  const inner = tf.util.sizeFromShape(x.shape.slice(idRank));
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  const out = backend.makeOutput(outShape, x.dtype);
  const ids = i32Of(backend, segmentIds);
  const xs = x.dtype === 'float32' ? f32Of(backend, x) : i32Of(backend, x);
  const os = x.dtype === 'float32' ? f32Of(backend, out) : i32Of(backend, out);
  const acc = new Float64Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) acc[dst + j] += xs[src + j];
  }
  os.set(acc);
  return out;
}
markOwn(unsortedSegmentSum as unknown as tf.KernelFunc);

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
