import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';

describeNative('native MaxPoolGrad against cpu', () => {
  beforeAll(requireNative);

  it.each([
    ['3×3 stride 2 same (ResNet stem)', [2, 9, 9, 4], 3, 2, 'same'],
    ['2×2 stride 2 valid', [2, 8, 8, 3], 2, 2, 'valid'],
    ['3×3 stride 1 same', [1, 6, 7, 2], 3, 1, 'same'],
    ['2×2 stride 2 same, odd size', [2, 7, 5, 3], 2, 2, 'same'],
    ['3×3 stride 2, explicit padding 1', [1, 8, 8, 2], 3, 2, 1],
  ] as Array<[string, number[], number, number, 'same' | 'valid' | number]>)('%s: values and gradient', async (_n, shape, k, s, pad) => {
    expect(await nativeVsCpu((x) => tf.maxPool(x as tf.Tensor4D, k, s, pad), [{ shape, seed: 1 }])).toBeLessThan(1e-6);
  });

  it('ties go to the first maximum of the window, like the cpu kernel', async () => {
    const tied = tf.tidy(() => tf.round(tf.mul(tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 5), 2)).arraySync());
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 3, 1, 'same')))(tf.tensor(tied)).arraySync());
    };
    expect(await grad('native')).toEqual(await grad('cpu'));
  });
});
