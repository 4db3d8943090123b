// The `native` tfjs backend: the cpu backend's tensor storage (plain Float32Arrays in Node memory, outside any wasm
// heap, so no 4 GiB ceiling) and every one of its kernels, with the hot kernels replaced by the OpenBLAS addon.
//
// Output buffers are recycled: a disposed tensor's Float32Array goes back to a pool by size and the next output of
// that size reuses it. Fresh ArrayBuffers for every kernel output cost 20× the kernel itself (zeroing, page faults,
// and V8 garbage collections triggered by external memory; measured: a 1 M-element multiply took 3.9 ms instead of
// 0.17 ms). Recycling is safe only for memory nobody else can still see, so this backend (1) hands out copies from
// readSync (dataSync/data/array of a tensor), and (2) copies any cpu-kernel output that aliases a pooled buffer under
// another tensor id (the cpu Slice kernel returns subarray views).
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { backend_util, DataId, TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from './addon';

export const NATIVE_BACKEND = 'native';

/** Pooled bytes kept for reuse at most (beyond it a disposed buffer is left to the garbage collector). */
const POOL_BYTES = 1 << 30;
/**
 * Buffers kept per size at most. A training step keeps more than a hundred activations of the model's commonest
 * shape alive on the tape (S config: [32, 65, 192]); at 32 per size the rest were dropped after every step and
 * allocated afresh in the next (89 × 1.6 MB a step), and that external memory made V8 run a full concurrent GC about
 * twice a step, ~100 ms of CPU on the core the second pool thread needs (BENCHMARKS.md, "The pool kept too few
 * buffers of a size"). POOL_BYTES still bounds the total.
 */
const POOL_PER_SIZE = 512;

export class NativeBackend extends MathBackendCPU {
  /** The tensor id that owns each pooled buffer. */
  private readonly owner = new WeakMap<ArrayBufferLike, DataId>();
  private readonly free = new Map<number, Float32Array[]>();
  private pooledBytes = 0;

  constructor(readonly addon: NativeAddon) {
    super();
    // The cpu backend advertises tfjs-node on first use; this backend is the fast path, so keep stderr clean.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** The float32 values of a tensor held by this backend (no copy). */
  f32(t: TensorInfo): Float32Array {
    const entry = this.data.get(t.dataId);
    if (entry.values instanceof Float32Array) return entry.values;
    // Some cpu kernels leave float32 results in other arrays (e.g. a cast of a boolean mask): convert once, in place.
    if (t.dtype !== 'float32' || entry.values == null || typeof entry.values === 'string') throw new Error(`native backend: expected float32 data, got ${t.dtype}`);
    entry.values = Float32Array.from(entry.values as ArrayLike<number>);
    return entry.values;
  }

  /** A float32 output of `shape` from the pool (contents undefined: every native kernel writes all of it). */
  output(shape: number[]): { info: TensorInfo; values: Float32Array } {
    const values = this.allocate(shape.reduce((a, b) => a * b, 1));
    const info = this.makeTensorInfo(shape, 'float32', values);
    this.owner.set(values.buffer, info.dataId);
    return { info, values };
  }

  /** A float32 tensor over `values` from allocate() (for kernels that fill their outputs before creating them). */
  adopt(shape: number[], values: Float32Array): TensorInfo {
    const info = this.makeTensorInfo(shape, 'float32', values);
    this.owner.set(values.buffer, info.dataId);
    return info;
  }

  /** A Float32Array of `size` elements, recycled when one is free. */
  allocate(size: number): Float32Array {
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      return reused;
    }
    return new Float32Array(size);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const freed = super.disposeData(dataId, force);
    if (freed && values instanceof Float32Array && values.length > 0 && this.owner.get(values.buffer) === dataId) {
      this.owner.delete(values.buffer);
      const list = this.free.get(values.length) ?? [];
      if (list.length < POOL_PER_SIZE && this.pooledBytes + values.byteLength <= POOL_BYTES) {
        list.push(values);
        this.free.set(values.length, list);
        this.pooledBytes += values.byteLength;
      }
    }
    return freed;
  }

  /** Values handed out of the backend are copies of pooled buffers, which will be reused after the tensor is gone. */
  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId);
    return values instanceof Float32Array && this.owner.has(values.buffer) ? values.slice() : values;
  }

  /** Replaces an output's values by a copy when they alias a pooled buffer owned by another tensor. */
  unalias(t: TensorInfo): void {
    if (!this.data.has(t.dataId)) return;
    const entry = this.data.get(t.dataId);
    const values = entry.values;
    if (values == null || !ArrayBuffer.isView(values)) return;
    const owner = this.owner.get(values.buffer);
    if (owner !== undefined && owner !== t.dataId) entry.values = (values as Float32Array).slice();
  }

  override dispose(): void {
    this.free.clear();
    this.pooledBytes = 0;
    super.dispose();
  }
}

/** The backend a kernel was called with, checked. */
export function asNative(backend: unknown): NativeBackend {
  if (!(backend instanceof NativeBackend)) throw new Error('vitkit native kernel called with another backend');
  return backend;
}
