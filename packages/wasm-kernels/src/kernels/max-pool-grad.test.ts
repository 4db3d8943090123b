import { tf } from '@vitkit/core';
import { maxPoolGradConfig } from './max-pool-grad';
import { measureLeak, NO_LEAK, randomData, randomTensor, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

type Case = {
  x: number[];
  k: number | [number, number];
  s: number | [number, number];
  pad: 'valid' | 'same' | number;
};
const cases: Case[] = [
  { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
  { x: [2, 7, 9, 4], k: 3, s: 1, pad: 'same' },
  { x: [3, 7, 5, 2], k: 2, s: 2, pad: 'same' },
  { x: [2, 9, 11, 3], k: 3, s: 2, pad: 'same' },
  { x: [1, 10, 7, 5], k: [3, 2], s: [2, 1], pad: 'valid' },
  { x: [2, 6, 6, 2], k: 3, s: 2, pad: 1 },
];

/** Values from a tiny set, so that windows contain ties; `negInf` puts -Infinity in a few places. */
function tiedInput(shape: number[], seed: number, negInf: boolean): tf.Tensor {
  const d = randomData(
    shape.reduce((p, q) => p * q, 1),
    seed
  ).map((v) => Math.round(v * 2) + 0); // + 0: no -0 (the stock forward maxPool orders ±0 differently)
  if (negInf) for (let i = 0; i < d.length; i += 5) d[i] = -Infinity;
  return tf.tensor(d, shape);
}

describe('wasm MaxPoolGrad kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).toBe(maxPoolGradConfig.kernelFunc);
  });

  it.each(cases.map((c, i) => [`x ${c.x} k ${c.k} s ${c.s} pad ${c.pad}`, i] as const))(
    'gradient equals cpu exactly (random, ties, -Infinity): %s',
    async (_n, i) => {
      const c = cases[i];
      const f = () => {
        const outs: tf.Tensor[] = [];
        for (const x of [randomTensor(c.x, 10 + i), tiedInput(c.x, 20 + i, false), tiedInput(c.x, 30 + i, true)]) {
          const y = tf.maxPool(x as tf.Tensor4D, c.k, c.s, c.pad);
          const r = randomTensor(y.shape, 40 + i);
          outs.push(y, tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, c.k, c.s, c.pad), r)))(x));
        }
        return outs;
      };
      const ref = await runOn('cpu', f);
      const got = await runOn('wasm', f);
      for (let k = 0; k < ref.length; k++) expect(Array.from(got[k])).toEqual(Array.from(ref[k]));
    }
  );

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([2, 9, 9, 3], 1) as tf.Tensor4D;
    expectNoLeakOf(() => [tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 3, 2, 'same')))(x)]);
    x.dispose();
  });
});
