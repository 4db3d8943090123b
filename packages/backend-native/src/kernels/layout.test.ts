import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';

describeNative('native Transpose, SplitV and Concat against cpu', () => {
  beforeAll(requireNative);

  it.each([
    [[4, 5], [1, 0]],
    [[2, 3, 4], [0, 2, 1]],
    [[2, 3, 4, 5], [0, 2, 1, 3]],
    [[2, 4, 3, 2, 5], [2, 0, 3, 1, 4]],
    [[3, 4, 5], [0, 1, 2]],
  ])('transpose %j by %j: values and gradient', async (shape, perm) => {
    expect(await nativeVsCpu((x) => tf.transpose(x, perm), [{ shape, seed: 1 }])).toBe(0);
  });

  it.each([
    [[2, 4, 9], 3, -1],
    [[2, 9, 4], [2, 3, 4], 1],
    [[6, 4], [1, 5], 0],
  ] as Array<[number[], number | number[], number]>)('split %j into %j along %d: values and gradient', async (shape, splits, axis) => {
    const parts = (x: tf.Tensor) => tf.split(x, splits, axis);
    expect(await nativeVsCpu((x) => tf.concat(parts(x).map((p, i) => tf.mul(p, i + 1)), axis), [{ shape, seed: 1 }])).toBeLessThan(1e-6);
  });

  it('concat along every axis with an empty part, and int32', async () => {
    for (const axis of [0, 1, 2]) {
      const zero = [2, 3, 4];
      zero[axis] = 0;
      const diff = await nativeVsCpu((a, b, c) => tf.concat([a, b, c], axis), [
        { shape: [2, 3, 4], seed: 1 },
        { shape: zero, seed: 2 },
        { shape: [2, 3, 4], seed: 3 },
      ]);
      expect(diff).toBe(0);
    }
    await tf.setBackend('native');
    const y = tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });

  it.each([
    [[20], [3], [10]],
    [[4, 6], [1, 0], [2, 6]],
    [[4, 6], [0, 2], [4, 3]],
    [[2, 7, 7, 3], [0, 1, 2, 0], [2, 5, 4, 3]],
    [[2, 7, 7, 3], [1, 0, 0, 1], [1, -1, 7, 2]],
  ])('slice %j from %j, size %j: values and gradient (copies, never views)', async (shape, begin, size) => {
    expect(await nativeVsCpu((x) => tf.slice(x, begin, size), [{ shape, seed: 1 }])).toBe(0);
  });

  it.each([
    [[5], [[2, 3]], 0],
    [[2, 5, 5, 3], [[0, 0], [1, 1], [2, 0], [0, 0]], 0],
    [[3, 4], [[1, 0], [0, 2]], -1.5],
  ] as Array<[number[], Array<[number, number]>, number]>)('pad %j by %j with %d: values and gradient', async (shape, paddings, value) => {
    expect(await nativeVsCpu((x) => tf.pad(x, paddings, value), [{ shape, seed: 1 }])).toBe(0);
  });
});
