import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';

describeNative('native Relu, Step and MaxPool against cpu', () => {
  beforeAll(requireNative);

  it('relu: values and gradient (the gradient is dy·step(x))', async () => {
    expect(await nativeVsCpu((x) => tf.relu(x), [{ shape: [3, 70, 130], seed: 1, scale: 2 }])).toBe(0);
  });

  it('exp: values and gradient to float rounding, over the whole float range', async () => {
    expect(await nativeVsCpu((x) => tf.exp(x), [{ shape: [5, 400], seed: 3, scale: 40 }])).toBeLessThan(1e-6);
    await tf.setBackend('native');
    const edge = tf.exp(tf.tensor1d([-Infinity, -200, 0, 88, 200, Infinity, NaN]));
    expect(Array.from(edge.dataSync())).toEqual([0, 0, 1, Math.fround(Math.exp(88)), Infinity, Infinity, NaN].map((v, i) => (i === 3 ? expect.closeTo(v, -30) : v)));
  });

  it('step with alpha, NaN kept; relu keeps NaN', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor1d([-2, -0, 0, 0.5, NaN, 3]);
    const want = [Array.from(tf.step(x, 0.25).dataSync()), Array.from(tf.relu(x).dataSync())];
    await tf.setBackend('native');
    const xn = tf.tensor1d([-2, -0, 0, 0.5, NaN, 3]);
    expect([Array.from(tf.step(xn, 0.25).dataSync()), Array.from(tf.relu(xn).dataSync())]).toEqual(want);
  });

  it.each([
    ['3×3 stride 2 pad same (the ResNet stem)', [2, 17, 15, 5], 3, 2, 'same'],
    ['2×2 stride 2 valid', [1, 8, 8, 3], 2, 2, 'valid'],
    ['3×3 stride 1 explicit pad 1', [2, 6, 7, 4], 3, 1, 1],
  ] as const)('maxPool %s: the same values, and gradients to rounding', async (_name, shape, size, stride, pad) => {
    const f = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, size, stride, pad as 'same' | 'valid' | number);
    const inputs = [{ shape: [...shape], seed: 2, scale: 3 }];
    expect(await nativeVsCpu(f, inputs, false)).toBe(0);
    // overlapping windows add into the same dx element in another order than cpu's MaxPoolGrad
    expect(await nativeVsCpu(f, inputs)).toBeLessThan(1e-6);
  });
});
