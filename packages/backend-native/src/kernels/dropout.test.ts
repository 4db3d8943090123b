import * as tf from '@tensorflow/tfjs';
import { dropout } from '@vitkit/core';
import { loadAddon } from '../addon';
import { describeNative, requireNative, values } from '../testing/compare';
import * as seedrandom from 'seedrandom';
import { aleaState, DROPOUT, DROPOUT_GRAD } from './dropout';

/** y = dropout(x) and d/dx Σ dropout(x)·R on the active backend, with `f` the dropout under test. */
function forwardAndGrad(f: (x: tf.Tensor) => tf.Tensor, shape: number[]): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(values(n, 3, 2), shape);
    const r = tf.tensor(values(n, 11), shape);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(x);
    return { y: f(x).dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

describe('aleaState', () => {
  it("is seedrandom's Alea state for the seed's string (what tfjs's UniformRandom draws from)", () => {
    for (const seed of [0, 1, 42, 12345, 2147483646, 0.5, -17, 1e21, 3.0000000000000004]) {
      const want = seedrandom.alea(String(seed), { state: true }).state() as unknown as { c: number; s0: number; s1: number; s2: number };
      expect(Array.from(aleaState(seed))).toEqual([want.c, want.s0, want.s1, want.s2]);
    }
  });
});

describeNative('native dropout against tf.dropout', () => {
  let threadsBefore = 0;
  beforeAll(async () => {
    await requireNative();
    const addon = loadAddon();
    if (addon.ok) {
      threadsBefore = addon.addon.getThreads();
      addon.addon.setThreads(2); // the parallel stream even on a one-core machine
    }
  });
  afterAll(() => {
    const addon = loadAddon();
    if (addon.ok && threadsBefore > 0) addon.addon.setThreads(threadsBefore);
  });

  // Seeds as vitkit draws them (integers below 2^31) and any other number tf.dropout accepts (toString() seeds it).
  it.each([
    { rate: 0.1, seed: 12345, shape: [4, 197, 64] },
    { rate: 0.5, seed: 0, shape: [3, 7] },
    { rate: 0.9, seed: 2147483646, shape: [1001] },
    { rate: 0.25, seed: 0.5, shape: [2, 3, 5, 7] },
    { rate: 0.3, seed: -17, shape: [64] },
    // past 64 K elements the threads split the stream, each jumping ahead to its part
    { rate: 0.2, seed: 987654, shape: [3, 300, 257] },
  ])('rate $rate, seed $seed, $shape: the same mask and scale bit for bit, and the same gradient', async ({ rate, seed, shape }) => {
    await tf.setBackend('cpu');
    const want = forwardAndGrad((x) => tf.dropout(x, rate, undefined, seed), shape);
    await tf.setBackend('native');
    const got = forwardAndGrad((x) => dropout(x, rate, seed), shape);
    expect(Array.from(got.y)).toEqual(Array.from(want.y));
    expect(Array.from(got.dx)).toEqual(Array.from(want.dx));
    const kept = Array.from(got.y).filter((v) => v !== 0).length / got.y.length;
    if (got.y.length > 1000) expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.05);
  });

  it('runs one kernel each way (no random tensor or Floor; a 1-bit mask kept) and leaks nothing', async () => {
    await tf.setBackend('native');
    const x = tf.tensor2d(values(6 * 8, 5), [6, 8]);
    const forward = await tf.profile(() => dropout(x, 0.2, 42));
    expect(forward.kernelNames.filter((k) => k !== '')).toEqual([DROPOUT]); // '': tf.customGrad's wrapper
    const before = tf.memory().numTensors;
    const backward = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(dropout(t, 0.2, 42)))(x));
    expect(backward.kernelNames).toContain(DROPOUT_GRAD);
    expect(backward.kernelNames).not.toContain('Floor');
    expect(tf.memory().numTensors).toBe(before + 1); // the gradient profile() returned
    tf.dispose(backward.result as tf.Tensor);
    x.dispose();
  });

  it('refuses a rate outside [0, 1) and a non-float input, naming the kernel', async () => {
    await tf.setBackend('native');
    const x = tf.ones([3]);
    expect(() => tf.engine().runKernel(DROPOUT, { x }, { rate: 1, seed: 1 })).toThrow(/VitkitDropout: rate must be in \[0, 1\), got 1/);
    const i = tf.ones([3], 'int32');
    expect(() => tf.engine().runKernel(DROPOUT, { x: i }, { rate: 0.5, seed: 1 })).toThrow(/VitkitDropout: x must be float32, got int32/);
    const wrongMask = tf.zeros([2], 'int32');
    expect(() => tf.engine().runKernel(DROPOUT_GRAD, { dy: x, mask: wrongMask }, { rate: 0.5 })).toThrow(/VitkitDropoutGrad: dy must be float32 and mask the int32 \[1\] of VitkitDropout/);
    tf.dispose([x, i, wrongMask]);
  });

  it('a rate that leaves keep = 1 in float32 is tf.dropout itself (it may scale by 2 there)', async () => {
    await tf.setBackend('native');
    const x = tf.ones([64]);
    expect(() => tf.engine().runKernel(DROPOUT, { x }, { rate: 1e-9, seed: 1 })).toThrow(/rounds keep = 1 − rate to 1 in float32/);
    const names = (await tf.profile(() => dropout(x, 1e-9, 1))).kernelNames;
    expect(names).not.toContain(DROPOUT);
    expect(names).toContain('Floor');
    x.dispose();
  });
});
