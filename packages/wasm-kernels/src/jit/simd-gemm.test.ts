import { tf } from '@vitkit/core';
import { customGemmMicroKernel, gemmMicroKernel, GemmMicroKernel, relaxedSimdAvailable } from './gemm-microkernel';
import { simdGemm, simdGemmKernel } from './simd-gemm';
import { enableFastWasmEngine } from './engine-flags';
import { jitMemoryOf } from './wasm-jit';
import { randomData, relError, runOn, setupBackends, wasmBackend } from '../testing/kernel-tests';

/** A product's shape and transposes. */
type Shape = { M: number; K: number; N: number; tA: boolean; tB: boolean };

/** float64 reference of op(A)·op(B). */
function reference(a: Float32Array, b: Float32Array, { M, K, N, tA, tB }: Shape): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + i] : a[i * K + k]) * (tB ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = s;
    }
  }
  return c;
}

/** Runs simdGemm on heap copies of a and b (C pre-filled with NaN so unwritten elements show) and returns C. */
function runGemm(kernel: GemmMicroKernel, a: Float32Array, b: Float32Array, { M, K, N, tA, tB }: Shape): Float32Array {
  const backend = wasmBackend();
  const wasm = backend.wasm;
  const bytes = 4 * (a.length + b.length + M * N);
  const base = wasm._malloc(bytes + 12) + 4; // deliberately not 16-byte aligned
  try {
    const heap = new Float32Array(wasm.HEAPU8.buffer);
    const aPtr = base;
    const bPtr = aPtr + 4 * a.length;
    const cPtr = bPtr + 4 * b.length;
    heap.set(a, aPtr >>> 2);
    heap.set(b, bPtr >>> 2);
    heap.fill(NaN, cPtr >>> 2, (cPtr >>> 2) + M * N);
    simdGemm(backend, kernel, {
      a: aPtr,
      transA: tA,
      b: bPtr,
      transB: tB,
      c: cPtr,
      M,
      K,
      N,
    });
    return new Float32Array(wasm.HEAPU8.buffer, cPtr, M * N).slice();
  } finally {
    wasm._free(base - 4);
  }
}

// Shapes around the tile edges (M or N not a multiple of the tile, smaller than a tile), the K block (256) and the
// row chunk (20 row blocks), and K = 1.
const shapes: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 12, 8],
  [13, 1, 29],
  [37, 66, 29],
  [65, 48, 65],
  [97, 257, 31],
  [170, 300, 50],
  [9, 600, 13],
];
const transposes: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe('wasm FMA GEMM (generated micro-kernel + packing driver)', () => {
  beforeAll(async () => {
    // This file acts as an application that opts in (Node 20 compiles relaxed-SIMD FMA only behind a V8 flag).
    enableFastWasmEngine();
    await setupBackends();
    await runOn('wasm', () => []);
  });

  it('reaches the single-threaded wasm heap, and compiles relaxed SIMD (FMA) once the application enables it', () => {
    expect(jitMemoryOf(wasmBackend())).toBeDefined();
    expect(simdGemmKernel(wasmBackend())).toBeDefined();
    expect(relaxedSimdAvailable()).toBe(true);
    expect(gemmMicroKernel(jitMemoryOf(wasmBackend())!).fma).toBe(true);
  });

  const variants: Array<[string, number, number, boolean]> = [
    ['default', 0, 0, true],
    ['mul+add 4×8', 4, 8, false],
    ['FMA 3×16', 3, 16, true],
    ['mul+add 5×4', 5, 4, false],
  ];
  describe.each(variants)('%s tile', (_name, mr, nr, fma) => {
    const kernel = (): GemmMicroKernel => {
      const memory = jitMemoryOf(wasmBackend())!;
      return mr === 0 ? gemmMicroKernel(memory) : customGemmMicroKernel(memory, mr, nr, fma);
    };
    it.each(shapes)('%i×%i×%i, every transpose combination, matches float64', (M, K, N) => {
      const k = kernel();
      for (const [tA, tB] of transposes) {
        const a = randomData(M * K, M + 31 * K);
        const b = randomData(K * N, N + 17 * K);
        const got = runGemm(k, a, b, { M, K, N, tA, tB });
        const want = reference(a, b, { M, K, N, tA, tB });
        expect(relError(got, want)).toBeLessThan(1e-5);
      }
    });
  });

  it('K = 0 gives zeros; empty M or N writes nothing', () => {
    const k = simdGemmKernel(wasmBackend())!;
    expect(
      Array.from(runGemm(k, new Float32Array(0), new Float32Array(0), { M: 3, K: 0, N: 5, tA: false, tB: false }))
    ).toEqual(new Array(15).fill(0));
    expect(
      runGemm(k, new Float32Array(0), new Float32Array(4 * 2), { M: 0, K: 4, N: 2, tA: false, tB: false }).length
    ).toBe(0);
  });

  it('frees its scratch (the heap does not grow over repeated products)', () => {
    const k = simdGemmKernel(wasmBackend())!;
    const a = randomData(200 * 300, 1);
    const b = randomData(300 * 70, 2);
    runGemm(k, a, b, { M: 200, K: 300, N: 70, tA: true, tB: true });
    const heapBytes = wasmBackend().wasm.HEAPU8.buffer.byteLength;
    for (let i = 0; i < 5; i++) runGemm(k, a, b, { M: 200, K: 300, N: 70, tA: true, tB: true });
    expect(wasmBackend().wasm.HEAPU8.buffer.byteLength).toBe(heapBytes);
  });

  it('rejects a tile width that is not a multiple of 4', () => {
    expect(() => customGemmMicroKernel(jitMemoryOf(wasmBackend())!, 4, 6, false)).toThrow(/multiple of 4/);
  });

  it('is what tf.matMul uses on wasm, and VITKIT_WASM_JIT=0 switches back to XNNPACK with equal results', async () => {
    const f = () => [
      tf.matMul(
        tf.tensor2d(randomData(70 * 300, 3), [70, 300]),
        tf.tensor2d(randomData(50 * 300, 4), [50, 300]),
        false,
        true
      ),
    ];
    const fast = await runOn('wasm', f);
    const prev = process.env.VITKIT_WASM_JIT;
    process.env.VITKIT_WASM_JIT = '0';
    try {
      expect(simdGemmKernel(wasmBackend())).toBeUndefined();
      const xnn = await runOn('wasm', f);
      expect(relError(fast[0], xnn[0])).toBeLessThan(1e-5);
    } finally {
      if (prev === undefined) delete process.env.VITKIT_WASM_JIT;
      else process.env.VITKIT_WASM_JIT = prev;
    }
  });
});
