import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative, values } from '../testing/compare';
import { broadcastOffsets } from './batch-mat-mul';
import { loadAddon, NativeAddon } from '../addon';

describe('broadcastOffsets', () => {
  it('maps every output batch to its operand batch with numpy broadcasting', () => {
    expect(Array.from(broadcastOffsets([2, 3], [2, 1], 10))).toEqual([0, 0, 0, 10, 10, 10]);
    expect(Array.from(broadcastOffsets([2, 3], [3], 10))).toEqual([0, 10, 20, 0, 10, 20]);
    expect(Array.from(broadcastOffsets([4], [], 10))).toEqual([0, 0, 0, 0]);
  });
});

describeNative('native BatchMatMul / _FusedMatMul against cpu', () => {
  beforeAll(requireNative);

  // tfjs's own BatchMatMul gradient rejects broadcast batches (on every backend), so those compare values only
  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['2-D', [5, 7], [7, 6], false, false],
    ['2-D transposeA', [7, 5], [7, 6], true, false],
    ['2-D transposeB', [5, 7], [6, 7], false, true],
    ['2-D both transposed', [7, 5], [6, 7], true, true],
    ['batched', [3, 5, 7], [3, 7, 6], false, false],
    ['batched, transposed operands', [3, 7, 5], [3, 6, 7], true, true],
    ['3-D × 2-D (one folded GEMM)', [4, 5, 7], [7, 6], false, false],
    ['3-D × 2-D transposeB (folded)', [4, 5, 7], [6, 7], false, true],
    ['3-D transposeA × 2-D (not foldable)', [4, 7, 5], [7, 6], true, false],
    ['2-D × 3-D broadcast', [5, 7], [4, 7, 6], false, false],
    ['rank-4 × broadcast rank-4', [2, 3, 5, 7], [1, 1, 7, 6], false, false],
    ['rank-4 broadcast × rank-3, transposed', [1, 7, 5], [2, 3, 6, 7], true, true],
    ['rank-4 attention shape, q·kᵀ', [2, 4, 9, 8], [2, 4, 9, 8], false, true],
    ['inner size 1', [5, 1], [1, 6], false, false],
  ];
  it.each(cases)('%s: values, and both gradients unless batches broadcast', async (_name, aShape, bShape, ta, tb) => {
    const broadcast = aShape.length !== bShape.length || aShape.slice(0, -2).some((d, i) => d !== bShape[i]);
    const diff = await nativeVsCpu((a, b) => tf.matMul(a, b, ta, tb), [
      { shape: aShape, seed: 1 },
      { shape: bShape, seed: 2 },
    ], !broadcast);
    expect(diff).toBeLessThan(1e-5);
  });

  // the addon writes the bias into each part's rows (or columns) on the thread that computes them, then accumulates
  it.each([
    ['small (one thread)', [5, 7], [7, 6], false, false],
    ['rows split over the threads', [600, 64], [64, 40], false, false],
    ['columns split over the threads, transposed operands', [64, 40], [600, 64], true, true],
    ['batched, one product per thread', [4, 70, 64], [4, 64, 60], false, false],
    ['3-D × 2-D (one folded GEMM), transposeB', [4, 150, 64], [48, 64], false, true],
    ['inner size 0', [6, 0], [0, 5], false, false],
  ] as Array<[string, number[], number[], boolean, boolean]>)('_FusedMatMul with a bias per column, %s: values and gradients', async (_name, aShape, bShape, ta, tb) => {
    const n = tb ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
    // tfjs's fused matMul gradient rejects a broadcast batch (on every backend): those compare values only
    const withGrads = aShape.length === bShape.length && aShape.every((d) => d > 0) && bShape.every((d) => d > 0);
    const diff = await nativeVsCpu((a, b, bias) => tf.fused.matMul({ a, b, bias, transposeA: ta, transposeB: tb }), [
      { shape: aShape, seed: 3 },
      { shape: bShape, seed: 4 },
      { shape: [n], seed: 5 },
    ], withGrads);
    expect(diff).toBeLessThan(1e-5);
  });

  it('the addon refuses a bias that is not one value per column', () => {
    const r = loadAddon();
    if (!r.ok) throw new Error(r.reason);
    const z = new Float64Array(1);
    const [a, c] = [new Float32Array(6), new Float32Array(4)];
    expect(() => r.addon.gemmBatched(false, false, 2, 2, 3, 1, a, z, 3, a, z, 2, 0, c, z, 2, new Float32Array(3))).toThrow(/bias must hold one value per column/);
    expect(() => r.addon.gemmBatched(false, false, 2, 2, 3, 1, a, z, 3, a, z, 2, 0, c, z, 2, new Float64Array(2) as unknown as Float32Array)).toThrow(/bias must be a Float32Array/);
  });

  it('broadcasts batch dims on both sides like numpy (the cpu kernel mixes them up; reference: tiled operands)', async () => {
    await tf.setBackend('native');
    const a = tf.tensor(values(2 * 5 * 7, 1), [2, 1, 5, 7]);
    const b = tf.tensor(values(3 * 7 * 6, 2), [1, 3, 7, 6]);
    const y = tf.matMul(a, b);
    const ref = tf.matMul(tf.tile(a, [1, 3, 1, 1]), tf.tile(b, [2, 1, 1, 1]));
    expect(y.shape).toEqual([2, 3, 5, 6]);
    expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).toBe(0);
    tf.dispose([a, b, y, ref]);
  });

  it('empty operands give empty or zero results like cpu', async () => {
    expect(await nativeVsCpu((a, b) => tf.matMul(a, b), [{ shape: [0, 3], seed: 1 }, { shape: [3, 4], seed: 2 }], false)).toBe(0);
    expect(await nativeVsCpu((a, b) => tf.matMul(a, b), [{ shape: [2, 0], seed: 1 }, { shape: [0, 4], seed: 2 }], false)).toBe(0);
  });

  it.each(['linear', 'relu', 'elu', 'relu6', 'sigmoid', 'leakyrelu'] as const)('tf.fused.matMul with bias and %s', async (activation) => {
    const diff = await nativeVsCpu((a, b, bias) => tf.fused.matMul({ a, b, bias, activation, transposeB: true }), [
      { shape: [6, 8], seed: 3 },
      { shape: [5, 8], seed: 4 },
      { shape: [5], seed: 5 },
    ]);
    expect(diff).toBeLessThan(1e-5);
  });

  it('int32 operands fall back to the cpu kernel', async () => {
    await tf.setBackend('native');
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32'));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
    y.dispose();
  });

  it('reports mismatched inner sizes like tfjs', async () => {
    await tf.setBackend('native');
    expect(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(/inner shapes/);
  });

  it('the addon refuses offsets outside its operands instead of writing past them', () => {
    const addon = (loadAddon() as { addon: NativeAddon }).addon;
    const a = values(6, 1);
    const c = new Float32Array(4);
    const at = (o: number) => Float64Array.of(o);
    expect(() => addon.gemmBatched(false, false, 2, 2, 3, 1, a, at(1), 3, a, at(0), 2, 0, c, at(0), 2)).toThrow(/outside its operands/);
    expect(() => addon.gemmBatched(false, false, 2, 2, 2, 1, a, at(0), 2, a, at(0), 2, 0, c, at(1), 2)).toThrow(/outside its operands/);
    expect(() => addon.gemmBatched(false, false, 2, 2, 2, 1, a, at(0), 2, a, at(0), 2, 0, c, at(0), 2)).not.toThrow();
  });
});

const load = loadAddon();
const oneDnnGemm = load.ok && load.addon.gemmLibrary().startsWith('oneDNN');
// Both libraries where the build has oneDNN's sgemm; OpenBLAS alone is what the prebuilt binary runs.
const gemmLibraries: Array<[string, boolean]> = oneDnnGemm ? [['oneDNN', true], ['OpenBLAS', false]] : [['OpenBLAS', false]];

for (const [library, useOneDnn] of gemmLibraries) describeNative(`native GEMMs past a million multiply-adds through ${library}`, () => {
  beforeAll(() => {
    requireNative();
    if (load.ok) expect(load.addon.gemmLibrary(useOneDnn).startsWith('oneDNN')).toBe(useOneDnn);
  });
  afterAll(() => {
    if (load.ok) load.addon.gemmLibrary(true);
  });

  // 1.2M multiply-adds or more: oneDNN takes these where it suits (sgemm.c), else OpenBLAS; the pool splits the rows
  it.each([
    ['A·B', [130, 96], [96, 100], false, false],
    ['Aᵀ·B', [96, 130], [96, 100], true, false],
    ['A·Bᵀ, short k (oneDNN)', [300, 48], [200, 48], false, true],
    ['A·Bᵀ, long k (OpenBLAS)', [40, 900], [36, 900], false, true],
    ['Aᵀ·Bᵀ', [96, 130], [100, 96], true, true],
    ['batched attention-like', [2, 120, 64], [2, 64, 120], false, false],
  ] as Array<[string, number[], number[], boolean, boolean]>)('%s: values and both gradients', async (_name, aShape, bShape, ta, tb) => {
    const diff = await nativeVsCpu((a, b) => tf.matMul(a, b, ta, tb), [
      { shape: aShape, seed: 5 },
      { shape: bShape, seed: 6 },
    ]);
    expect(diff).toBeLessThan(1e-5);
  });
});

describeNative('the GEMM library', () => {
  it('is oneDNN in a from-source build with oneDNN (its convolutions say so), switchable, and refuses a non-boolean', () => {
    const addon = (loadAddon() as { addon: NativeAddon }).addon;
    expect(addon.gemmLibrary().startsWith('oneDNN')).toBe(addon.convLibrary().startsWith('oneDNN'));
    expect(addon.gemmLibrary(false)).toMatch(/^OpenBLAS /);
    addon.gemmLibrary(true);
    expect(() => (addon.gemmLibrary as (x: unknown) => string)('yes')).toThrow(/gemmLibrary: the argument must be a boolean or absent/);
  });
});

describeNative('GEMMs interrupted by signals', () => {
  // oneDNN's JIT sgemm kept data below its stack pointer, which a signal frame overwrote: under node --cpu-prof (a
  // SIGPROF every 100 µs) the heap was corrupted within a few calls. Every GEMM shape family, in a child process.
  it('give exact results and leave the process healthy under a sampling profiler', () => {
    const load = loadAddon();
    if (!load.ok) throw new Error(load.reason);
    const child = `
      const a = require(${JSON.stringify(load.file)});
      const [m, n, k] = [788, 768, 256];
      const A = new Float32Array(m * k).fill(0.5), B = new Float32Array(k * n).fill(0.25), C = new Float32Array(m * n);
      const z = Float64Array.of(0);
      let wrong = 0;
      for (const threads of [1, 2]) for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        a.setThreads(threads);
        for (let r = 0; r < 40; r++) {
          a.gemmBatched(ta, tb, m, n, k, 1, A, z, ta ? m : k, B, z, tb ? k : n, 0, C, z, n);
          for (let i = 0; i < C.length; i += 997) if (C[i] !== 32) wrong++;
          new ArrayBuffer(4096 + r); // allocations that a corrupted heap fails on
        }
      }
      console.log(JSON.stringify({ wrong }));`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-gemm-signals-'));
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`, '-e', child], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr.trim() }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ wrong: 0 });
  });
});
