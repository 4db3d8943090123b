// Test helpers for the wasm kernel pack (not a test file): deterministic data, running the same computation on the
// cpu reference and on wasm with the pack, and leak checks.
import { tf } from '../tf';
import { selectBackend } from '../backend/select-backend';
import { registerWasmKernels } from './register-wasm-kernels';
import type { WasmBackend } from './wasm-util';

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

/** Initialises cpu and wasm, registers the pack, leaves wasm active. */
export async function setupBackends(): Promise<void> {
  await selectBackend('cpu', { quiet: true });
  await selectBackend('wasm', { quiet: true });
  registerWasmKernels();
}

/** Runs `fn` on `backend` and returns the values of the tensors it produced (all disposed). */
export async function runOn(backend: 'cpu' | 'wasm', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
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

export function wasmBackend(): WasmBackend {
  return tf.backend() as unknown as WasmBackend;
}

/** Heap size, backend data ids and engine tensors, to check that a kernel leaks nothing. */
export function memorySnapshot(): {
  heapBytes: number;
  dataIds: number;
  numTensors: number;
  numBytes: number;
} {
  const b = wasmBackend();
  const m = tf.memory();
  return {
    heapBytes: b.wasm.HEAPU8.buffer.byteLength,
    dataIds: b.numDataIds(),
    numTensors: m.numTensors,
    numBytes: m.numBytes,
  };
}

export interface LeakReport {
  numTensors: number;
  numBytes: number;
  dataIds: number;
  heapBytes: number;
  wasmRegistrations: number;
}

/** What a leak-free kernel gives from measureLeak. */
export const NO_LEAK: LeakReport = {
  numTensors: 0,
  numBytes: 0,
  dataIds: 0,
  heapBytes: 0,
  wasmRegistrations: 0,
};

/**
 * Runs `fn` under tf.tidy (and disposes what it returns) `times` times after one warm-up run and reports what
 * remains: engine tensors/bytes, backend data ids, wasm heap growth and tensors still registered on the wasm side
 * (zero-copy views). Everything is 0 for a leak-free kernel.
 */
export function measureLeak(fn: () => tf.TensorContainer, times = 20): LeakReport {
  const once = () => tf.dispose(tf.tidy(fn));
  once();
  const b = wasmBackend();
  const api = b.wasm.tfjs;
  const { registerTensor, disposeData } = api;
  const live = new Set<number>();
  api.registerTensor = (id: number, size: number, ptr: number) => {
    live.add(id);
    registerTensor(id, size, ptr);
  };
  api.disposeData = (id: number) => {
    live.delete(id);
    disposeData(id);
  };
  try {
    const before = memorySnapshot();
    for (let i = 0; i < times; i++) once();
    const after = memorySnapshot();
    return {
      numTensors: after.numTensors - before.numTensors,
      numBytes: after.numBytes - before.numBytes,
      dataIds: after.dataIds - before.dataIds,
      heapBytes: after.heapBytes - before.heapBytes,
      wasmRegistrations: live.size,
    };
  } finally {
    api.registerTensor = registerTensor;
    api.disposeData = disposeData;
  }
}

export type ConvCase = {
  x: number[];
  w: number[];
  s: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
};

/** Odd shapes covering both code paths of the conv backprop kernels (stride 1 / strided, all padding kinds). */
export const convCases: ConvCase[] = [
  { x: [2, 7, 9, 3], w: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 7, 9, 3], w: [3, 3, 3, 4], s: 2, pad: 'same' },
  { x: [2, 8, 8, 5], w: [3, 2, 5, 6], s: [2, 1], pad: 'valid' },
  {
    x: [1, 9, 7, 4],
    w: [5, 5, 4, 3],
    s: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  {
    x: [1, 9, 7, 4],
    w: [5, 3, 4, 3],
    s: 1,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { x: [2, 10, 10, 3], w: [2, 2, 3, 8], s: 2, pad: 'valid' },
  { x: [3, 6, 6, 16], w: [1, 1, 16, 8], s: 1, pad: 'valid' },
  { x: [2, 11, 13, 2], w: [4, 4, 2, 3], s: 3, pad: 'same' },
  {
    x: [1, 5, 6, 2],
    w: [2, 2, 2, 3],
    s: 1,
    pad: [
      [0, 0],
      [3, 2],
      [2, 3],
      [0, 0],
    ],
  },
  { x: [2, 12, 12, 3], w: [4, 4, 3, 5], s: 4, pad: 'valid' },
  { x: [2, 6, 5, 1], w: [3, 3, 1, 1], s: 1, pad: 1 },
  { x: [2, 9, 7, 16], w: [3, 3, 16, 5], s: 2, pad: 'same' },
  { x: [1, 8, 9, 20], w: [3, 2, 20, 4], s: 1, pad: 'valid' },
  {
    x: [2, 7, 6, 17],
    w: [4, 3, 17, 3],
    s: [1, 3],
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
  { x: [1, 8, 8, 16], w: [2, 2, 16, 6], s: 2, pad: 'valid' },
  { x: [1, 3, 70, 16], w: [3, 3, 16, 2], s: 1, pad: 'same' },
];

export function caseName(c: ConvCase): string {
  return `x ${c.x} w ${c.w} s ${c.s} pad ${JSON.stringify(c.pad)}`;
}

/** The two ways the pack runs its hot loops: generated wasm (default) and the fall-backs (`VITKIT_WASM_JIT=0`). */
export const JIT_MODES = ['generated wasm', 'fall-back'] as const;
export type JitMode = (typeof JIT_MODES)[number];

/** describe.each over JIT_MODES: the tests `body` declares run with the generated kernels on, then off. */
export function describeJitModes(body: (mode: JitMode) => void): void {
  describe.each(JIT_MODES)('with %s', (mode) => {
    const prev = process.env.VITKIT_WASM_JIT;
    beforeAll(() => {
      if (mode === 'fall-back') process.env.VITKIT_WASM_JIT = '0';
      else delete process.env.VITKIT_WASM_JIT;
    });
    afterAll(() => {
      if (prev === undefined) delete process.env.VITKIT_WASM_JIT;
      else process.env.VITKIT_WASM_JIT = prev;
    });
    body(mode);
  });
}
