// BatchMatMul for the wasm backend with a fast path for every case. Stock tfjs-backend-wasm only uses XNNPACK for
// !transposeA && !transposeB && batch 1 and runs a ~2 GFLOP/s scalar loop otherwise (so every matMul gradient,
// attention Q·Kᵀ / A·V and broadcast products). Here, on the single-threaded build, the generated FMA GEMM
// (simd-gemm.ts) reads transposed operands through strides; on the threaded build (whose heap the generated code
// cannot reach) transposes are materialised and XNNPACK runs every product. Either way a broadcast B is folded into
// the rows of one big GEMM and batches are looped over.
import { tf } from '@vitkit/core';
import { dropView, gemm, makeView } from '../heap/gemm';
import { transpose2dHeap } from '../heap/heap-transpose';
import { markOwn, reshapeInfo, runStock, stockTranspose } from '../heap/stock-kernels';
import { asWasmBackend, heapF32, KernelArgs, ptrOf, release, scratch, WasmBackend } from '../heap/wasm-backend';
import { GemmMicroKernel } from '../jit/gemm-microkernel';
import { simdGemm, simdGemmKernel } from '../jit/simd-gemm';

/**
 * Below this many multiply-adds per product, batched products without broadcasting stay on the stock loop: each
 * XNNPACK product pays a fixed ~5-10 µs (operator creation, weight packing); measured break-even ≈ 12×12×12.
 */
const TINY_PRODUCT = 2048;

/**
 * `batch` rows×cols matrices transposed into a new backend tensor (release it after use): the stock Transpose for
 * batches (fast while the matrices fit in cache), a blocked JS loop for one big 2-D matrix.
 */
function transposeLast2(
  backend: WasmBackend,
  x: tf.TensorInfo,
  batch: number,
  rows: number,
  cols: number
): tf.TensorInfo {
  if (batch > 1) {
    const x3 = reshapeInfo(backend, x, [batch, rows, cols]);
    try {
      return stockTranspose(backend, x3, [0, 2, 1]);
    } finally {
      release(backend, x3);
    }
  }
  const out = scratch(backend, [batch, cols, rows]);
  transpose2dHeap(heapF32(backend), ptrOf(backend, x) >>> 2, rows, cols, ptrOf(backend, out) >>> 2);
  return out;
}

/** Index of the operand batch used by each output batch under numpy broadcasting of the leading dims. */
function broadcastIndex(outBatch: number[], opBatch: number[]): Int32Array {
  const rank = outBatch.length;
  const op = new Array(rank - opBatch.length).fill(1).concat(opBatch) as number[];
  const total = tf.util.sizeFromShape(outBatch);
  const idx = new Int32Array(total);
  const opStrides = new Array(rank).fill(0) as number[];
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    opStrides[d] = op[d] === 1 ? 0 : s;
    s *= op[d];
  }
  const coord = new Array(rank).fill(0) as number[];
  for (let o = 0; o < total; o++) {
    let k = 0;
    for (let d = 0; d < rank; d++) k += coord[d] * opStrides[d];
    idx[o] = k;
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d] < outBatch[d]) break;
      coord[d] = 0;
    }
  }
  return idx;
}

/**
 * XNNPACK caches the packed B operand under B's wasm tensor id alone, and a reshape shares the id: the stock kernel
 * therefore multiplies by a stale [K, N] packing when the same data is used again with another 2-D shape (e.g.
 * matMul(x, w) then matMul(x2, reshape(w, [N, K])) gives wrong values on stock tfjs-backend-wasm 4.22). The first
 * shape that used an id is recorded here; a later product with another shape uses a fresh view instead.
 */
const packedShapeOf = new WeakMap<tf.DataId, string>();

function cacheableId(backend: WasmBackend, b: tf.TensorInfo, K: number, N: number): number | undefined {
  const data = backend.dataIdMap.get(b.dataId);
  if (!data) return undefined;
  const key = `${K}x${N}`;
  const prev = packedShapeOf.get(b.dataId);
  if (prev === undefined) packedShapeOf.set(b.dataId, key);
  return prev === undefined || prev === key ? data.id : undefined;
}

/** The batched product with the pack's FMA GEMM: no transposes materialised, one GEMM when B is shared. */
function simdBatchMatMul(
  backend: WasmBackend,
  kernel: GemmMicroKernel,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  transA: boolean,
  transB: boolean,
  M: number,
  K: number,
  N: number,
  outBatchShape: number[],
  aBatchShape: number[],
  bBatchShape: number[]
): void {
  const aPtr = ptrOf(backend, a);
  const bPtr = ptrOf(backend, b);
  const cPtr = ptrOf(backend, out);
  const batchA = tf.util.sizeFromShape(aBatchShape);
  const batchB = tf.util.sizeFromShape(bBatchShape);
  const batchOut = tf.util.sizeFromShape(outBatchShape);
  if (batchB === 1 && batchA === batchOut && !transA) {
    // One B for every batch of a row-major A: the batches are just more rows of one GEMM.
    simdGemm(backend, kernel, {
      a: aPtr,
      transA,
      b: bPtr,
      transB,
      c: cPtr,
      M: batchA * M,
      K,
      N,
    });
    return;
  }
  const aIdx = broadcastIndex(outBatchShape, aBatchShape);
  const bIdx = broadcastIndex(outBatchShape, bBatchShape);
  for (let o = 0; o < batchOut; o++) {
    simdGemm(backend, kernel, {
      a: aPtr + aIdx[o] * M * K * 4,
      transA,
      b: bPtr + bIdx[o] * K * N * 4,
      transB,
      c: cPtr + o * M * N * 4,
      M,
      K,
      N,
    });
  }
}

/** a·b (with optional transposes and broadcast batch dims) on the wasm backend: the pack's GEMM, else XNNPACK. */
export function batchMatMulImpl(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean
): tf.TensorInfo {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const M = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const K = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const Kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const N = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  tf.util.assert(
    K === Kb,
    () =>
      `Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`
  );
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = tf.backend_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const batchA = tf.util.sizeFromShape(aBatchShape);
  const batchB = tf.util.sizeFromShape(bBatchShape);
  const batchOut = tf.util.sizeFromShape(outBatchShape);
  const out = backend.makeOutput([...outBatchShape, M, N], 'float32');
  if (batchOut === 0 || M === 0 || N === 0) return out;

  const kernel = simdGemmKernel(backend);
  if (kernel) {
    try {
      simdBatchMatMul(
        backend,
        kernel,
        a,
        b,
        out,
        transposeA,
        transposeB,
        M,
        K,
        N,
        outBatchShape,
        aBatchShape,
        bBatchShape
      );
      return out;
    } catch (e) {
      release(backend, out);
      throw e;
    }
  }

  const aT = transposeA ? transposeLast2(backend, a, batchA, K, M) : null;
  const bT = transposeB ? transposeLast2(backend, b, batchB, N, K) : null;
  try {
    const aPtr = ptrOf(backend, aT ?? a);
    const bPtr = ptrOf(backend, bT ?? b);
    const outPtr = ptrOf(backend, out);
    const aStride = M * K * 4;
    const bStride = K * N * 4;
    const oStride = M * N * 4;
    if (batchB === 1 && batchA === batchOut) {
      // One B for every batch of A (covers the plain 2-D case): fold the batches into the rows of one GEMM. An
      // untransposed B is passed under its own tensor id when safe, so XNNPACK keeps its packed copy cached until B
      // is disposed (like the stock 2-D path).
      const bId = bT || K === 0 ? undefined : cacheableId(backend, b, K, N);
      gemm(backend, aPtr, batchA * M, K, bPtr, N, outPtr, bId);
      return out;
    }
    const aIdx = broadcastIndex(outBatchShape, aBatchShape);
    const bIdx = broadcastIndex(outBatchShape, bBatchShape);
    const bShared = batchB < batchOut;
    const bViews = new Map<number, number>();
    try {
      for (let o = 0; o < batchOut; o++) {
        const bi = bIdx[o];
        let bView: number | undefined;
        if (bShared) {
          bView = bViews.get(bi);
          if (bView == null && K > 0) {
            bView = makeView(backend, bPtr + bi * bStride, K * N);
            bViews.set(bi, bView);
          }
        }
        gemm(backend, aPtr + aIdx[o] * aStride, M, K, bPtr + bi * bStride, N, outPtr + o * oStride, bView);
      }
    } finally {
      for (const id of bViews.values()) dropView(backend, id);
    }
    return out;
  } catch (e) {
    release(backend, out);
    throw e;
  } finally {
    release(backend, aT, bT);
  }
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = (args.attrs ?? {}) as {
    transposeA?: boolean;
    transposeB?: boolean;
  };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runStock('BatchMatMul', args);
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const mkn = a.shape[aRank - 1] * a.shape[aRank - 2] * (transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1]);
  // Tiny batched products without broadcasting stay on the stock loop (which keeps no operator cache). The plain
  // 2-D case is handled here too (not by the stock XNNPACK path) so that packed-operand caching is shape-safe.
  const sameBatch = aRank === bRank && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (sameBatch && batchA > 1 && mkn < TINY_PRODUCT) return runStock('BatchMatMul', args);
  return batchMatMulImpl(backend, a, b, !!transposeA, !!transposeB);
}
markOwn(batchMatMul as unknown as tf.KernelFunc);

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};

// ---------------------------------------------------------------------------------------------------------------
// _FusedMatMul (tf.fused.matMul; tf.matMul itself goes straight to BatchMatMul): the stock kernel has the same scalar
// loop for transposed/batched products. Here: batchMatMulImpl, then the stock bias Add and activation kernels.

function fusedMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { a, b, bias, preluActivationWeights } = args.inputs as {
    a: tf.TensorInfo;
    b: tf.TensorInfo;
    bias?: tf.TensorInfo;
    preluActivationWeights?: tf.TensorInfo;
  };
  const { transposeA, transposeB, activation, leakyreluAlpha } = (args.attrs ?? {}) as {
    transposeA?: boolean;
    transposeB?: boolean;
    activation?: string;
    leakyreluAlpha?: number;
  };
  // Every float32 case is handled here (never by the stock kernel, whose XNNPACK operator cache is keyed by B's id
  // and would collide with the one used by BatchMatMul, see cacheableId).
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return runStock('_FusedMatMul', args);
  let y = batchMatMulImpl(backend, a, b, !!transposeA, !!transposeB);
  const swap = (next: tf.TensorInfo) => {
    release(backend, y);
    y = next;
  };
  try {
    if (bias) swap(runStock('Add', { inputs: { a: y, b: bias }, backend }));
    switch (activation ?? 'linear') {
      case 'linear':
        break;
      case 'relu':
        swap(runStock('Relu', { inputs: { x: y }, backend }));
        break;
      case 'relu6':
        swap(runStock('Relu6', { inputs: { x: y }, backend }));
        break;
      case 'elu':
        swap(runStock('Elu', { inputs: { x: y }, backend }));
        break;
      case 'sigmoid':
        swap(runStock('Sigmoid', { inputs: { x: y }, backend }));
        break;
      case 'leakyrelu':
        swap(
          runStock('LeakyRelu', {
            inputs: { x: y },
            backend,
            attrs: { alpha: leakyreluAlpha ?? 0.2 },
          })
        );
        break;
      case 'prelu':
        if (!preluActivationWeights) throw new Error('_FusedMatMul: prelu activation needs preluActivationWeights');
        swap(
          runStock('Prelu', {
            inputs: { x: y, alpha: preluActivationWeights },
            backend,
          })
        );
        break;
      default:
        throw new Error(`_FusedMatMul: activation ${activation} is not supported on the wasm backend`);
    }
    return y;
  } catch (e) {
    release(backend, y);
    throw e;
  }
}
markOwn(fusedMatMul as unknown as tf.KernelFunc);

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: '_FusedMatMul',
  backendName: 'wasm',
  kernelFunc: fusedMatMul as unknown as tf.KernelFunc,
};
