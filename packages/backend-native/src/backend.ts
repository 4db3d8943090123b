// The `native` tfjs backend: the cpu backend's tensor storage (plain Float32Arrays in Node memory, outside any wasm
// heap, so no 4 GiB ceiling) and every one of its kernels, with the hot kernels replaced by the OpenBLAS addon.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { NativeAddon } from './addon';

export const NATIVE_BACKEND = 'native';

export class NativeBackend extends MathBackendCPU {
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

  /** A new float32 output of `shape` and its values (zero-filled). */
  output(shape: number[]): { info: TensorInfo; values: Float32Array } {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    return { info: this.makeTensorInfo(shape, 'float32', values), values };
  }
}

/** The backend a kernel was called with, checked. */
export function asNative(backend: unknown): NativeBackend {
  if (!(backend instanceof NativeBackend)) throw new Error('vitkit native kernel called with another backend');
  return backend;
}
