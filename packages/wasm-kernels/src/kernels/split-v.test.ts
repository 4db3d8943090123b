import { tf } from '@vitkit/core';
import { splitVConfig } from './split-v';
import { describeJitModes, measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

type Case = { shape: number[]; splits: number | number[]; axis: number };
const cases: Case[] = [
  { shape: [4, 6, 12], splits: 3, axis: -1 }, // the qkv split (whole vectors)
  { shape: [3, 5, 7], splits: [2, 4, 1], axis: 2 }, // pieces of odd width (scalar copies)
  { shape: [6, 5, 3], splits: [1, -1], axis: 0 },
  { shape: [2, 9, 4], splits: [3, 0, 6], axis: 1 }, // an empty piece
  { shape: [10], splits: 2, axis: 0 },
];

describe('wasm SplitV kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('SplitV', 'wasm')?.kernelFunc).toBe(splitVConfig.kernelFunc);
  });

  describeJitModes(() => {
    it.each(cases.map((c, i) => [`${c.shape} into ${JSON.stringify(c.splits)} on axis ${c.axis}`, i] as const))(
      'values, shapes and the gradient match cpu: %s',
      async (_name, i) => {
        const c = cases[i];
        const f = () => {
          const x = randomTensor(c.shape, 3 + i);
          const parts = tf.split(x, c.splits, c.axis);
          const weights = parts.map((p, k) => randomTensor(p.shape, 20 + k));
          const g = tf.grad((xi: tf.Tensor) =>
            tf.addN(tf.split(xi, c.splits, c.axis).map((p, k) => tf.sum(tf.mul(p, weights[k]))))
          )(x);
          return [...parts, ...parts.map((p) => tf.tensor1d(p.shape, 'float32')), g];
        };
        const ref = await runOn('cpu', f);
        const got = await runOn('wasm', f);
        expect(got.length).toBe(ref.length);
        for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBe(0);
      }
    );

    it('splits int32 exactly and leaks nothing', async () => {
      const [a, b] = await runOn('wasm', () => tf.split(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [1, 2], 1));
      expect(Array.from(a)).toEqual([1, 4]);
      expect(Array.from(b)).toEqual([2, 3, 5, 6]);
      const x = randomTensor([5, 8, 12], 1);
      expect(measureLeak(() => tf.split(x, 3, -1))).toEqual(NO_LEAK);
      x.dispose();
    });
  });
});
