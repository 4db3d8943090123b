import 'reflect-metadata';
import { tf } from '@vitkit/core';
import { TEST_BACKENDS, useBackend } from '@vitkit/core/testing';
import { resizeNearest } from './upsample';

describe.each(TEST_BACKENDS)('resizeNearest on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('picks source pixel floor(i · in / out), as F.interpolate(mode="nearest")', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const y = resizeNearest(x, [3, 4]);
    // rows 0,0,1 of 2; columns 0,0,1,2 of 3
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6]);
    tf.dispose([x, y]);
  });

  it('routes each output gradient to its own image and source pixel (batch of 2)', () => {
    // Upsampling 2×2 → 4×4 copies each pixel 4 times: d(sum(y · g))/dx sums g over each pixel's 2×2 block.
    const x = tf.tensor4d(Array.from({ length: 8 }, (_, i) => i), [2, 2, 2, 1]);
    const g = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i + 1), [2, 4, 4, 1]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resizeNearest(t as tf.Tensor4D, [4, 4]), g)))(x);
    const gv = g.arraySync() as number[][][][];
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) {
          expected.push(gv[b][2 * i][2 * j][0] + gv[b][2 * i][2 * j + 1][0] + gv[b][2 * i + 1][2 * j][0] + gv[b][2 * i + 1][2 * j + 1][0]);
        }
      }
    }
    expect(Array.from(dx.dataSync())).toEqual(expected);
    tf.dispose([x, g, dx]);
  });

  it('downsamples too (8 → 3 takes rows 0, 2, 5)', () => {
    const x = tf.tensor4d(Array.from({ length: 8 }, (_, i) => i), [1, 8, 1, 1]);
    const y = resizeNearest(x, [3, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 2, 5]);
    tf.dispose([x, y]);
  });
});
