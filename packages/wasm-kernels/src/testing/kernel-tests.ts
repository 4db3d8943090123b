// Test helpers for the wasm kernel pack's own tests (not published): the cpu reference next to wasm with the pack,
// leak checks that also watch the wasm heap and its zero-copy views, the conv cases, and both JIT modes.
import { selectBackend, tf } from '@vitkit/core';
export { randomData, randomTensor, relError, runOn } from '@vitkit/core/testing';
import { registerWasmKernels } from '../register-wasm-kernels';
import type { WasmBackend } from '../heap/wasm-backend';

/** Initialises cpu and wasm, registers the pack, leaves wasm active. */
export async function setupBackends(): Promise<void> {
  await selectBackend('cpu', { quiet: true });
  await selectBackend('wasm', { quiet: true });
  registerWasmKernels();
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
