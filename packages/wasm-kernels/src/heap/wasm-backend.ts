// Typed access to the tfjs-backend-wasm 4.22 internals the kernel pack reads: the Emscripten module, the backend's
// tensor table, and heap addresses. Every heap address is a wasm32 pointer, 0 to 4 GiB: Emscripten hands them to JS
// as signed 32-bit numbers (negative past 2 GiB), so each one is read here as unsigned (`>>> 0`) before any use.
import { tf } from '@vitkit/core';

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
  return heapAddress(tensorData(backend, t).memoryOffset);
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
  // a division, not `>>> 2`: a full 4 GiB heap has 2^32 bytes, which >>> reads as 0
  return new Float32Array(buf, 0, buf.byteLength / 4);
}

/** A backend-owned scratch tensor (not tracked by the engine): release it with `release`. */
export function scratch(backend: WasmBackend, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  return backend.makeOutput(shape, dtype);
}

export function release(backend: WasmBackend, ...infos: Array<tf.TensorInfo | null | undefined>): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A heap address as JS must use it: the unsigned value of a wasm32 pointer (Emscripten returns them signed). */
export function heapAddress(ptr: number): number {
  return ptr >>> 0;
}

/** `bytes` of scratch on the wasm heap (unsigned address; release with `freeHeap`). `what` names the caller. */
export function mallocHeap(backend: WasmBackend, bytes: number, what: string): number {
  const ptr = heapAddress(backend.wasm._malloc(bytes));
  if (ptr === 0) throw new Error(`${what}: could not allocate ${bytes} bytes on the wasm heap`);
  return ptr;
}

export function freeHeap(backend: WasmBackend, ptr: number): void {
  backend.wasm._free(ptr);
}
