// Shared plumbing for the vitkit wasm kernel pack: typed access to the tfjs-backend-wasm internals that the
// kernels need (heap, tensor pointers, zero-copy "view" tensors, the exported XNNPACK GEMM), the captured stock
// kernels used as fall-backs, and a few JS loops on the heap.
import { tf } from '../tf';
import { simdGemm, simdGemmKernel } from './simd-gemm';

/** The parts of the Emscripten module of tfjs-backend-wasm that the kernel pack uses. */
export interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  /** The module's exports; `memory` is exported by the single-threaded builds only. */
  asm?: { memory?: unknown };
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

/** The parts of `BackendWasm` the kernel pack uses (several are private in its typings). */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: tf.DataId): WasmTensorData | undefined;
    has(dataId: tf.DataId): boolean;
  };
  dataIdNextNumber: number;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  numDataIds(): number;
  incRef(dataId: tf.DataId): void;
}

export type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

export function asWasmBackend(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend>;
  if (!b || !b.wasm || !b.dataIdMap || typeof b.makeOutput !== 'function') {
    throw new Error('vitkit wasm kernels: the kernel was called with a backend that is not tfjs-backend-wasm');
  }
  return b as WasmBackend;
}

function tensorData(backend: WasmBackend, t: tf.TensorInfo): WasmTensorData {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('vitkit wasm kernels: tensor data not found on the wasm backend (disposed tensor?)');
  return d;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function ptrOf(backend: WasmBackend, t: tf.TensorInfo): number {
  return tensorData(backend, t).memoryOffset >>> 0;
}

/** Float32 view of a tensor's data. Re-create after ANY allocation: the heap may grow and detach old views. */
export function f32Of(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, ptrOf(backend, t), tf.util.sizeFromShape(t.shape));
}

export function i32Of(backend: WasmBackend, t: tf.TensorInfo): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, ptrOf(backend, t), tf.util.sizeFromShape(t.shape));
}

/** The whole heap as float32 (index = byte offset / 4). Re-create after any allocation. */
export function heapF32(backend: WasmBackend): Float32Array {
  const buf = backend.wasm.HEAPU8.buffer;
  return new Float32Array(buf, 0, buf.byteLength >>> 2);
}

/** A backend-owned scratch tensor (not tracked by the engine): release it with `release`. */
export function scratch(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  return backend.makeOutput(shape, dtype);
}

export function release(backend: WasmBackend, ...infos: Array<tf.TensorInfo | null | undefined>): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

// ---------------------------------------------------------------------------------------------------------------
// Stock kernels: the pack keeps the originals it replaces (captured by registerWasmKernels before unregistering
// them) and calls other stock kernels (Transpose, Conv2D, ...) directly.

const captured = new Map<string, tf.KernelConfig>();
const ownKernelFuncs = new Set<tf.KernelFunc>();
const setUpFor = new WeakMap<object, Set<tf.KernelConfig>>();

/** Marks a kernel function as belonging to the pack (so it is never captured as a "stock" kernel). */
export function markOwn(fn: tf.KernelFunc): void {
  ownKernelFuncs.add(fn);
}

export function isOwn(fn: tf.KernelFunc | undefined): boolean {
  return fn != null && ownKernelFuncs.has(fn);
}

/** Remembers the currently registered wasm kernel `name` (if any and not ours) as the stock fall-back. */
export function captureStock(name: string): void {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg && !isOwn(cfg.kernelFunc) && !captured.has(name)) captured.set(name, cfg);
}

export function hasStock(name: string): boolean {
  if (captured.has(name)) return true;
  const cfg = tf.getKernel(name, 'wasm');
  return cfg != null && !isOwn(cfg.kernelFunc);
}

function stockConfig(name: string): tf.KernelConfig {
  const cfg = captured.get(name) ?? tf.getKernel(name, 'wasm');
  if (!cfg || isOwn(cfg.kernelFunc)) {
    throw new Error(
      `vitkit wasm kernels: the stock wasm kernel ${name} is not available (call registerWasmKernels() after loading @tensorflow/tfjs-backend-wasm)`
    );
  }
  return cfg;
}

function callStock(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const cfg = stockConfig(name);
  if (cfg.setupFunc) {
    const backendKey = args.backend as object;
    let done = setUpFor.get(backendKey);
    if (!done) setUpFor.set(backendKey, (done = new Set()));
    if (!done.has(cfg)) {
      cfg.setupFunc(args.backend as tf.KernelBackend);
      done.add(cfg);
    }
  }
  return cfg.kernelFunc({
    inputs: args.inputs,
    backend: args.backend as tf.KernelBackend,
    attrs: args.attrs ?? {},
  });
}

/** Runs a stock wasm kernel; its setupFunc (cwrap) is run once per backend first, in case it was never run. */
export function runStock(name: string, args: KernelArgs): tf.TensorInfo {
  const out = callStock(name, args);
  if (Array.isArray(out)) throw new Error(`vitkit wasm kernels: stock kernel ${name} returned several outputs`);
  return out;
}

/** runStock for kernels with several outputs (SplitV, ...). */
export function runStockOutputs(name: string, args: KernelArgs): tf.TensorInfo[] {
  const out = callStock(name, args);
  return Array.isArray(out) ? out : [out];
}

export function stockTranspose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runStock('Transpose', { inputs: { x }, backend, attrs: { perm } });
}

/** A tensor info sharing `x`'s data with another shape (refcounted like the stock Reshape): release it after use. */
export function reshapeInfo(backend: WasmBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runStock('Reshape', { inputs: { x }, backend, attrs: { shape } });
}

// ---------------------------------------------------------------------------------------------------------------
// Zero-copy GEMM through the XNNPACK fast path of the exported `BatchMatMul` (taken only when it sees a
// non-transposed, batch-1 product). Operands are registered as "view" tensors pointing into existing buffers; the
// views are unregistered afterwards (`dispose_data` only drops the bookkeeping and the cached XNN operator).

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

// ---------------------------------------------------------------------------------------------------------------
// JS loops on the heap.

const TB = 32;

/** dst[c*rows + r] = src[r*cols + c] for a rows×cols matrix (float32 word offsets into `heap`). Blocked. */
export function transpose2dHeap(heap: Float32Array, src: number, rows: number, cols: number, dst: number): void {
  if (rows === 1 || cols === 1) {
    heap.copyWithin(dst, src, src + rows * cols);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += TB) {
    const r1 = Math.min(rows, r0 + TB);
    for (let c0 = 0; c0 < cols; c0 += TB) {
      const c1 = Math.min(cols, c0 + TB);
      for (let r = r0; r < r1; r++) {
        let s = src + r * cols + c0;
        let d = dst + c0 * rows + r;
        for (let c = c0; c < c1; c++) {
          heap[d] = heap[s++];
          d += rows;
        }
      }
    }
  }
}
