import { tf } from '@vitkit/core';
import { sumConfig } from './sum';
import {
  describeJitModes,
  measureLeak,
  NO_LEAK,
  randomData,
  randomTensor,
  relError,
  runOn,
  setupBackends,
} from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

type Case = { shape: number[]; axis: number | number[]; keepDims?: boolean };
const cases: Case[] = [
  { shape: [37, 29], axis: 0 },
  { shape: [5, 7, 19], axis: [0, 1] },
  { shape: [5, 7, 19], axis: [1, 0], keepDims: true },
  { shape: [4, 9, 3, 11], axis: 1 },
  { shape: [4, 9, 3, 11], axis: [-3, -2], keepDims: true },
  { shape: [6, 10], axis: 1 }, // trailing axis: stock kernel
  { shape: [6, 5, 10], axis: [0, 2] }, // not contiguous: stock kernel
  { shape: [3, 4, 5], axis: [0, 1, 2] },
  { shape: [1, 16], axis: 0 },
  // even kept blocks: the generated SIMD path (two columns per lane pair; 5 and 7 rows leave remainders after 4)
  { shape: [37, 28], axis: 0 },
  { shape: [5, 7, 18], axis: [0, 1], keepDims: true },
  { shape: [3, 6, 2, 10], axis: 1 },
  { shape: [130, 96], axis: 0 },
];

/** Independent float64 reference for a contiguous block of reduced axes. */
function referenceSum(data: Float32Array, shape: number[], a0: number, a1: number): Float32Array {
  const outer = shape.slice(0, a0).reduce((p, q) => p * q, 1);
  const red = shape.slice(a0, a1 + 1).reduce((p, q) => p * q, 1);
  const inner = shape.slice(a1 + 1).reduce((p, q) => p * q, 1);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let r = 0; r < red; r++) s += data[(o * red + r) * inner + j];
      out[o * inner + j] = s;
    }
  }
  return out;
}

describe('wasm Sum kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Sum', 'wasm')?.kernelFunc).toBe(sumConfig.kernelFunc);
  });

  // Generated SIMD code (kept blocks of even length) and the JS loop.
  describeJitModes(() => {
    it.each(cases.map((c, i) => [`${c.shape} axis ${c.axis} keepDims ${!!c.keepDims}`, i] as const))(
      'matches cpu: %s',
      async (_n, i) => {
        const c = cases[i];
        const f = () => {
          const x = randomTensor(c.shape, 40 + i);
          const y = tf.sum(x, c.axis, c.keepDims);
          return [y, tf.reshape(tf.tensor(y.shape.length ? y.shape : [1], undefined, 'float32'), [-1])];
        };
        const ref = await runOn('cpu', f);
        const got = await runOn('wasm', f);
        expect(Array.from(got[1])).toEqual(Array.from(ref[1])); // same output shape
        expect(relError(got[0], ref[0])).toBeLessThan(1e-6);
      }
    );

    it('equals a float64 reference exactly on the fast path', async () => {
      const shape = [64, 3, 40];
      const data = randomData(64 * 3 * 40, 9);
      const [got] = await runOn('wasm', () => [tf.sum(tf.tensor(data, shape), [0, 1])]);
      expect(Array.from(got)).toEqual(Array.from(referenceSum(data, shape, 0, 1)));
    });
  });

  it('gives the bias gradient of a linear layer (leading-axis sum) like cpu', async () => {
    const f = () => {
      const x = randomTensor([33, 12], 1);
      const w = randomTensor([12, 20], 2);
      const b = randomTensor([20], 3);
      const r = randomTensor([33, 20], 4);
      return tf.grads((p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(p, q), s), r)))([
        x,
        w,
        b,
      ]);
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([20, 7, 30], 1);
    expectNoLeakOf(() => [tf.sum(x, 0), tf.sum(x, [0, 1], true), tf.sum(x, 1), tf.sum(x, -1)]);
    x.dispose();
  });
});
