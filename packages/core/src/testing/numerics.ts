import { tf } from '../tf';
import { selectBackend } from '../backend/select-backend';

// Numerical test helpers shared by core's ops tests and the engine packages' kernel tests: deterministic data, the
// same computation on two backends, norm-wise error, and leak checks that work on any backend.

/** Uniform [-1, 1) values from a seeded mulberry32 generator. */
export function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomData(tf.util.sizeFromShape(shape), seed), shape, 'float32');
}

/** Runs `fn` on `backend` (selected quietly) and returns the values of the tensors it produced (all disposed). */
export async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await selectBackend(backend, { quiet: true });
  const outs = tf.tidy(fn);
  const vals = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return vals;
}

/** max |a - b| / max |b| (norm-wise relative error; 0 when both are zero). */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) diff = d; // also propagates NaN
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** What remains after a computation: engine tensors and bytes, and data ids of the active backend. */
export interface TensorLeak {
  numTensors: number;
  numBytes: number;
  dataIds: number;
}

export const NO_TENSOR_LEAK: TensorLeak = { numTensors: 0, numBytes: 0, dataIds: 0 };

/**
 * Runs `fn` under tf.tidy (disposing what it returns) `times` times after one warm-up run and reports what remains
 * on the engine and the active backend. Everything is 0 for a leak-free computation.
 */
export function measureTensorLeak(fn: () => tf.TensorContainer, times = 20): TensorLeak {
  const once = () => tf.dispose(tf.tidy(fn));
  once();
  const snapshot = () => ({ ...tf.memory(), dataIds: tf.backend().numDataIds() });
  const before = snapshot();
  for (let i = 0; i < times; i++) once();
  const after = snapshot();
  return {
    numTensors: after.numTensors - before.numTensors,
    numBytes: after.numBytes - before.numBytes,
    dataIds: after.dataIds - before.dataIds,
  };
}
