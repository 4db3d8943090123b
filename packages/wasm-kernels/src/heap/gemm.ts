// Row-major GEMM on heap offsets: the pack's generated FMA GEMM where it reaches the heap, else zero-copy through
// the XNNPACK fast path of the exported `BatchMatMul` (taken only when it sees a non-transposed, batch-1 product).
// Operands are registered as "view" tensors pointing into existing buffers; the views are unregistered afterwards
// (`dispose_data` only drops the bookkeeping and the cached XNN operator).
import { simdGemm, simdGemmKernel } from '../jit/simd-gemm';
import { heapF32, WasmBackend, WasmModule } from './wasm-backend';

type BatchMatMulFn = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  ta: number,
  tb: number,
  outId: number
) => void;
const gemmFns = new WeakMap<WasmModule, BatchMatMulFn>();

function gemmFn(backend: WasmBackend): BatchMatMulFn {
  let fn = gemmFns.get(backend.wasm);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as unknown as BatchMatMulFn;
    gemmFns.set(backend.wasm, fn);
  }
  return fn;
}

/** Registers a view tensor of `size` float32 at byte offset `ptr`; returns its id (unregister with dropView). */
export function makeView(backend: WasmBackend, ptr: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, ptr);
  return id;
}

export function dropView(backend: WasmBackend, id: number): void {
  backend.wasm.tfjs.disposeData(id);
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * out[M,N] = A[M,K] · B[K,N] (row-major float32 at heap byte offsets): the pack's FMA GEMM when it can reach the heap,
 * else XNNPACK. `bViewId` lets a caller reuse one registered B view across several XNNPACK calls, so XNNPACK packs
 * the B operand once.
 */
export function gemm(
  backend: WasmBackend,
  aPtr: number,
  M: number,
  K: number,
  bPtr: number,
  N: number,
  outPtr: number,
  bViewId?: number
): void {
  if (M === 0 || N === 0) return;
  const simd = simdGemmKernel(backend);
  if (simd) {
    simdGemm(backend, simd, {
      a: aPtr,
      transA: false,
      b: bPtr,
      transB: false,
      c: outPtr,
      M,
      K,
      N,
    });
    return;
  }
  if (K === 0) {
    heapF32(backend).fill(0, outPtr >>> 2, (outPtr >>> 2) + M * N);
    return;
  }
  const fn = gemmFn(backend);
  const aId = makeView(backend, aPtr, M * K);
  const bId = bViewId ?? makeView(backend, bPtr, K * N);
  const oId = makeView(backend, outPtr, M * N);
  try {
    fn(aId, shapeBytes([1, M, K]), 3, bId, shapeBytes([1, K, N]), 3, 0, 0, oId);
  } finally {
    dropView(backend, aId);
    if (bViewId == null) dropView(backend, bId);
    dropView(backend, oId);
  }
}

