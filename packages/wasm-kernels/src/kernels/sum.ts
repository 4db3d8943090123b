// Sum over a contiguous block of axes that is not the innermost one (bias gradients: Sum over the leading axis of
// [B*N, D]). Stock wasm transposes the reduced axes to the end first (~100 Melem/s); this is one sequential pass over
// the heap with float64 accumulators (the cpu backend also accumulates in float64, in the same order), as generated
// SIMD code when the heap is reachable and the kept block has an even length, else as a JS loop.
import { tf } from '@vitkit/core';
import { simdElementwiseFor } from '../jit/simd-elementwise';
import { markOwn, runStock } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, freeHeap, KernelArgs, mallocHeap, ptrOf } from '../heap/wasm-backend';

/** Reductions whose kept inner block is smaller than this stay on the stock kernel (fast for trailing axes). */
const MIN_INNER = 8;

/**
 * The leading/middle-block reduction shared by Sum and Mean: returns null when the reduction is not a contiguous
 * block of axes with at least MIN_INNER kept elements after it (the caller then uses the stock kernel). The float64
 * sums are rounded to float32 first and then divided by `divisor` (how the cpu backend computes a mean).
 */
export function reduceBlock(args: KernelArgs, divisor: 'none' | 'count'): tf.TensorInfo | null {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = (args.attrs ?? {}) as {
    axis: number | number[];
    keepDims?: boolean;
  };
  if (x.dtype !== 'float32') return null;
  const shape = x.shape;
  const axes = Array.from(new Set(tf.util.parseAxisParam(axis, shape))).sort((p, q) => p - q);
  if (axes.length === 0) return null;
  const a0 = axes[0];
  const a1 = axes[axes.length - 1];
  if (a1 - a0 + 1 !== axes.length) return null; // not a contiguous block
  const outer = tf.util.sizeFromShape(shape.slice(0, a0));
  const red = tf.util.sizeFromShape(shape.slice(a0, a1 + 1));
  const inner = tf.util.sizeFromShape(shape.slice(a1 + 1));
  if (inner < MIN_INNER || red <= 1) return null;
  const outShape = keepDims
    ? shape.map((d, i) => (i >= a0 && i <= a1 ? 1 : d))
    : shape.filter((_, i) => i < a0 || i > a1);
  const out = backend.makeOutput(outShape, 'float32');
  const simd = inner % 2 === 0 ? simdElementwiseFor(backend) : undefined;
  if (simd) {
    // The same float64 sums in the same order, two columns per SIMD lane pair (simd-elementwise.ts).
    const accPtr = mallocHeap(backend, 8 * inner, 'vitkit wasm Sum');
    try {
      const heap = backend.wasm.HEAPU8.buffer;
      const acc = new Float64Array(heap, accPtr, inner);
      const os = f32Of(backend, out);
      const xPtr = ptrOf(backend, x);
      for (let o = 0; o < outer; o++) {
        acc.fill(0);
        simd.columnSum(xPtr + 4 * o * red * inner, accPtr, red, inner / 2, 4 * inner);
        if (divisor === 'count') for (let j = 0; j < inner; j++) acc[j] = Math.fround(acc[j]) / red;
        os.set(acc, o * inner);
      }
    } finally {
      freeHeap(backend, accPtr);
    }
    return out;
  }
  const xs = f32Of(backend, x);
  const os = f32Of(backend, out);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let base = o * red * inner;
    let r = 0;
    // four rows per pass (fewer accumulator loads/stores); with float64 partial sums the result rounds to the same
    // float32 as the sequential cpu sum except under extreme cancellation
    for (; r + 4 <= red; r += 4, base += 4 * inner) {
      const b1 = base + inner;
      const b2 = b1 + inner;
      const b3 = b2 + inner;
      for (let j = 0; j < inner; j++) acc[j] += xs[base + j] + xs[b1 + j] + (xs[b2 + j] + xs[b3 + j]);
    }
    for (; r < red; r++, base += inner) {
      for (let j = 0; j < inner; j++) acc[j] += xs[base + j];
    }
    if (divisor === 'count') {
      for (let j = 0; j < inner; j++) acc[j] = Math.fround(acc[j]) / red;
    }
    os.set(acc, o * inner);
  }
  return out;
}

function sum(args: KernelArgs): tf.TensorInfo {
  return reduceBlock(args, 'none') ?? runStock('Sum', args);
}
markOwn(sum as unknown as tf.KernelFunc);

export const sumConfig: tf.KernelConfig = {
  kernelName: 'Sum',
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};
