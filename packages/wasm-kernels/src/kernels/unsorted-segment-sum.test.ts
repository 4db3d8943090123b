import { tf } from '@vitkit/core';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';
import { measureLeak, NO_LEAK, randomData, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

describe('wasm UnsortedSegmentSum kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')?.kernelFunc).toBe(unsortedSegmentSumConfig.kernelFunc);
  });

  it('matches cpu for float32 and int32, repeated and unused segments', async () => {
    const f = () => {
      const x = randomTensor([9, 5, 3], 1);
      const ids = tf.tensor1d([3, 0, 3, 6, 1, 0, 0, 2, 6], 'int32');
      const y1 = tf.unsortedSegmentSum(x, ids, 8);
      const xi = tf.tensor2d(
        [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
        [4, 2],
        'int32'
      );
      const y2 = tf.cast(tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0, 1], 'int32'), 3), 'float32');
      return [y1, y2];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-6);
  });

  it('supports 2-D segment ids (checked against a JS reference; the cpu kernel cannot do this)', async () => {
    const ids = [0, 1, 2, 0, 1, 2, 3, 3, 3, 0, 0, 0, 1, 1, 1, 1, 1, 1, 4, 0, 4, 0, 4, 0];
    const x = randomData(24 * 2, 2);
    const expected = new Float64Array(5 * 2);
    ids.forEach((s, i) => {
      expected[s * 2] += x[i * 2];
      expected[s * 2 + 1] += x[i * 2 + 1];
    });
    const [got] = await runOn('wasm', () => [
      tf.unsortedSegmentSum(tf.tensor(x, [4, 6, 2]), tf.tensor2d(ids, [4, 6], 'int32') as unknown as tf.Tensor1D, 5),
    ]);
    expect(relError(got, Float32Array.from(expected))).toBeLessThan(1e-6);
  });

  it('makes the tf.gather gradient work on wasm (axis 0 and 1, repeated indices)', async () => {
    const f = () => {
      const x = randomTensor([7, 6, 4], 3);
      const idx0 = tf.tensor1d([6, 0, 0, 3, 6, 2, 2, 2], 'int32');
      const idx1 = tf.tensor2d(
        [
          [5, 0],
          [0, 5],
          [1, 1],
        ],
        [3, 2],
        'int32'
      );
      const r0 = randomTensor([8, 6, 4], 4);
      const r1 = randomTensor([7, 3, 2, 4], 5);
      const g0 = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, idx0, 0), r0)))(x);
      const g1 = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, idx1, 1), r1)))(x);
      return [g0, g1];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-6);
  });

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([50, 16], 1);
    const ids = tf.tensor1d(
      Array.from({ length: 50 }, (_, i) => (i * 7) % 11),
      'int32'
    );
    expectNoLeakOf(() => [tf.unsortedSegmentSum(x, ids, 11)]);
    tf.dispose([x, ids]);
  });
});
