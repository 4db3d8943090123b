import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';
import { broadcastStrides } from './arithmetic';

describe('broadcastStrides', () => {
  it('gives 0 along broadcast and missing axes', () => {
    expect(Array.from(broadcastStrides([3, 1], [2, 3, 4]))).toEqual([0, 1, 0]);
    expect(Array.from(broadcastStrides([2, 3, 4], [2, 3, 4]))).toEqual([12, 4, 1]);
    expect(Array.from(broadcastStrides([], [2]))).toEqual([0]);
  });
});

describeNative('native Add/Sub/Multiply/RealDiv and Sum against cpu', () => {
  beforeAll(requireNative);

  const shapes: Array<[string, number[], number[]]> = [
    ['same shape', [3, 4, 5], [3, 4, 5]],
    ['bias over the last axis', [3, 4, 5], [5]],
    ['column broadcast', [3, 4, 5], [3, 4, 1]],
    ['both sides broadcast', [3, 1, 5], [1, 4, 1]],
    ['scalar', [3, 4], []],
    ['scalar on the left', [], [2, 3]],
  ];
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
  ];
  for (const [opName, op] of ops) {
    it.each(shapes)(`${opName}, %s: values and gradients`, async (_n, aShape, bShape) => {
      expect(await nativeVsCpu(op, [{ shape: aShape, seed: 1 }, { shape: bShape, seed: 2 }])).toBeLessThan(1e-5);
    });
  }

  it.each([
    ['all axes', null, false],
    ['last axis', -1, false],
    ['leading axes (bias gradient)', [0, 1], false],
    ['middle axis, keepDims', 1, true],
    ['scattered axes [0, 2]', [0, 2], false],
    ['scattered axes [1, 3], keepDims', [1, 3], true],
    ['no axes', [], false],
  ] as Array<[string, number | number[] | null, boolean]>)('sum over %s', async (_n, axis, keepDims) => {
    expect(await nativeVsCpu((x) => tf.sum(x, axis ?? undefined, keepDims), [{ shape: [3, 4, 5, 2], seed: 1 }])).toBeLessThan(1e-5);
  });

  it('float32 operands that cpu kernels left in other arrays (maximum gradient: a cast boolean mask) are accepted', async () => {
    expect(await nativeVsCpu((a, b) => tf.maximum(a, b), [{ shape: [3, 4], seed: 1 }, { shape: [3, 4], seed: 2 }])).toBeLessThan(1e-6);
  });

  it.each([
    ['all axes', null, false],
    ['spatial axes [1, 2] (global average pooling), keepDims', [1, 2], true],
    ['scattered axes [0, 3]', [0, 3], false],
  ] as Array<[string, number | number[] | null, boolean]>)('mean over %s: values and gradient', async (_n, axis, keepDims) => {
    expect(await nativeVsCpu((x) => tf.mean(x, axis ?? undefined, keepDims), [{ shape: [3, 4, 5, 2], seed: 1 }])).toBeLessThan(1e-6);
  });

  it('int32 arithmetic and sums use the cpu kernels', async () => {
    await tf.setBackend('native');
    const a = tf.tensor1d([1, 2, 3], 'int32');
    const y = tf.sum(tf.add(a, a));
    expect(y.dtype).toBe('int32');
    expect(y.dataSync()[0]).toBe(12);
    tf.dispose([a, y]);
  });
});
