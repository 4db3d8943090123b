import { tf } from '@vitkit/core';
import { collapsePermutation, transposeConfig } from './transpose';
import { measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

const cases: Array<[number[], number[]]> = [
  [
    [2, 5, 3, 4, 6],
    [2, 0, 3, 1, 4],
  ], // torch-style head split
  [
    [3, 2, 4, 5, 6],
    [1, 3, 0, 2, 4],
  ], // its inverse
  [
    [2, 3, 4, 5, 6],
    [4, 3, 2, 1, 0],
  ], // full reversal (innermost axis strided)
  [
    [2, 1, 3, 4, 1, 5],
    [5, 2, 0, 3, 1, 4],
  ], // size-1 axes
  [
    [2, 3, 4, 5, 6],
    [0, 1, 3, 2, 4],
  ], // collapses to rank 3 (stock)
  [
    [2, 3, 4, 5, 6, 2],
    [1, 0, 3, 2, 5, 4],
  ], // rank 6
  [
    [7, 9],
    [1, 0],
  ],
  [
    [4, 5, 6],
    [2, 0, 1],
  ],
  [
    [1, 1, 1],
    [2, 1, 0],
  ],
];

describe('wasm Transpose kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Transpose', 'wasm')?.kernelFunc).toBe(transposeConfig.kernelFunc);
  });

  it('collapses permutations', () => {
    expect(collapsePermutation([2, 3, 4, 5, 6], [0, 1, 3, 2, 4])).toEqual({ shape: [6, 4, 5, 6], perm: [0, 2, 1, 3] });
    expect(collapsePermutation([2, 1, 3], [2, 1, 0])).toEqual({ shape: [2, 3], perm: [1, 0] });
    expect(collapsePermutation([2, 3], [0, 1])).toEqual({ shape: [6], perm: [0] });
    expect(collapsePermutation([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it.each(cases.map(([s, p], i) => [`${s} perm ${p}`, i] as const))('values and gradient match cpu: %s', async (_n, i) => {
    const [shape, perm] = cases[i];
    const f = () => {
      const x = randomTensor(shape, 70 + i);
      const y = tf.transpose(x, perm);
      const r = randomTensor(y.shape, 80 + i);
      const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.transpose(p, perm), r)))(x);
      const xi = tf.cast(tf.mul(x, 100), 'int32');
      return [y, g, tf.cast(tf.transpose(xi, perm), 'float32'), tf.tensor(y.shape, undefined, 'float32')];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBe(0);
  });

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([2, 5, 3, 4, 6], 1);
    expectNoLeakOf(() => [tf.transpose(x, [2, 0, 3, 1, 4]), tf.transpose(x, [0, 1, 3, 2, 4]), tf.transpose(x, [1, 0, 2, 3, 4])]);
    x.dispose();
  });
});
