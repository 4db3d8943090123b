import { simdElementwise } from './simd-elementwise';
import { enableFastWasmEngine } from './engine-flags';
import { jitMemoryOf, relaxedSimdAvailable } from './wasm-jit';
import { randomData, runOn, setupBackends, wasmBackend } from '../testing/kernel-tests';

/** float64 Φ(x) from the erf series (|x| ≤ 5 here). */
function cdf(x: number): number {
  const z = x / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 300; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}
const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** Copies arrays into fresh heap buffers, runs `fn` on their addresses, returns the buffers' contents after. */
function onHeap(arrays: Float32Array[], fn: (ptrs: number[]) => void): Float32Array[] {
  const wasm = wasmBackend().wasm;
  const ptrs = arrays.map((a) => wasm._malloc(4 * Math.max(1, a.length)));
  try {
    const heap = new Float32Array(wasm.HEAPU8.buffer);
    arrays.forEach((a, i) => heap.set(a, ptrs[i] >>> 2));
    fn(ptrs);
    return arrays.map((a, i) => new Float32Array(wasm.HEAPU8.buffer, ptrs[i], a.length).slice());
  } finally {
    for (const p of ptrs) wasm._free(p);
  }
}

describe('generated SIMD element-wise kernels', () => {
  // Opted in at collection time, so that both the FMA and the mul+add variants are generated and checked.
  enableFastWasmEngine();
  beforeAll(async () => {
    await setupBackends();
    await runOn('wasm', () => []);
  });

  const modes = relaxedSimdAvailable() ? [true, false] : [false];
  describe.each(modes.map((fma) => [fma ? 'FMA' : 'mul+add', fma] as const))('%s', (_name, fma) => {
    const kernels = () => simdElementwise(jitMemoryOf(wasmBackend())!, fma);

    it('gelu and its gradient match float64 x·Φ(x) and dy·(Φ + x·φ) on [−5, 5]', () => {
      const n = 4096;
      const x = randomData(n, 1).map((v) => 5 * v);
      const dy = randomData(n, 2);
      const k = kernels();
      const [, y] = onHeap([x, new Float32Array(n)], ([px, py]) => k.gelu(px, py, n / 4));
      const [, , dx] = onHeap([dy, x, new Float32Array(n)], ([pdy, px, pdx]) => k.geluGrad(pdy, px, pdx, n / 4));
      let errY = 0;
      let errDx = 0;
      for (let i = 0; i < n; i++) {
        errY = Math.max(errY, Math.abs(y[i] - x[i] * cdf(x[i])));
        errDx = Math.max(errDx, Math.abs(dx[i] - dy[i] * (cdf(x[i]) + x[i] * pdf(x[i]))));
      }
      expect(errY).toBeLessThan(2e-6);
      expect(errDx).toBeLessThan(2e-6);
    });

    it('layerNorm and its gradients match float64 on rows with a large offset', () => {
      const rows = 7;
      const d = 24;
      const x = randomData(rows * d, 3).map((v) => v + 50);
      const g = randomData(d, 4);
      const b = randomData(d, 5);
      const dy = randomData(rows * d, 6);
      const eps = 1e-5;
      const k = kernels();
      const [, , , y, mean, rstd] = onHeap(
        [x, g, b, new Float32Array(rows * d), new Float32Array(rows), new Float32Array(rows)],
        ([px, pg, pb, py, pm, pr]) => k.layerNorm(px, pg, pb, py, pm, pr, rows, d, eps)
      );
      const [, , , , , dx, dg, db] = onHeap(
        [dy, x, mean, rstd, g, new Float32Array(rows * d), new Float32Array(d), new Float32Array(d)],
        ([pdy, px, pm, pr, pg, pdx, pdg, pdb]) => k.layerNormGrad(pdy, px, pm, pr, pg, pdx, pdg, pdb, rows, d)
      );
      const wantDg = new Float64Array(d);
      const wantDb = new Float64Array(d);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * d, (r + 1) * d));
        const mu = row.reduce((s, v) => s + v, 0) / d;
        const inv = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / d + eps);
        expect(Math.abs(mean[r] - mu)).toBeLessThan(1e-5);
        expect(Math.abs(rstd[r] - inv) / inv).toBeLessThan(1e-4);
        const xh = row.map((v) => (v - mu) * inv);
        const gh = xh.map((_, j) => dy[r * d + j] * g[j]);
        const a = gh.reduce((s, v) => s + v, 0) / d;
        const c = gh.reduce((s, v, j) => s + v * xh[j], 0) / d;
        for (let j = 0; j < d; j++) {
          expect(Math.abs(y[r * d + j] - (xh[j] * g[j] + b[j]))).toBeLessThan(1e-4);
          expect(Math.abs(dx[r * d + j] - inv * (gh[j] - a - xh[j] * c))).toBeLessThan(1e-4);
          wantDg[j] += dy[r * d + j] * xh[j];
          wantDb[j] += dy[r * d + j];
        }
      }
      for (let j = 0; j < d; j++) {
        expect(Math.abs(dg[j] - wantDg[j])).toBeLessThan(1e-4);
        expect(Math.abs(db[j] - wantDb[j])).toBeLessThan(1e-5);
      }
    });

    it('zero groups or rows touch nothing', () => {
      const k = kernels();
      const [, y] = onHeap([new Float32Array(4), new Float32Array([7, 7, 7, 7])], ([px, py]) => k.gelu(px, py, 0));
      expect(Array.from(y)).toEqual([7, 7, 7, 7]);
    });
  });
});
