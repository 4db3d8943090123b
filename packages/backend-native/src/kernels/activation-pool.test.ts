import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD_KERNEL, relu } from '@vitkit/core';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';
import { RELU_GRAD } from './activation-pool';

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

  it("core's relu: its gradient is one native kernel, dy·step(y) bit for bit (NaN, ±0 and ∞ included)", async () => {
    // 3·70·330 values: split over the threads (from 64 K on)
    expect(await nativeVsCpu((x) => relu(x), [{ shape: [3, 70, 330], seed: 4, scale: 2 }])).toBe(0);
    await tf.setBackend('native');
    expect(tf.getKernel(RELU_GRAD_KERNEL, 'native')).toBeDefined();
    const x = tf.tensor1d([-2, -0, 0, 0.5, NaN, 3, Infinity, -Infinity, 1]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, Infinity, 7, NaN, -Infinity]);
    const names = (await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(relu(t), dy)))(x))).kernelNames;
    expect(names).toContain(RELU_GRAD);
    expect(names).not.toContain('Step');
    const y = tf.relu(x);
    const got = tf.engine().runKernel(RELU_GRAD, { dy, y }) as tf.Tensor;
    expect(Array.from(got.dataSync())).toEqual(Array.from(tf.mul(dy, tf.step(y)).dataSync()));
    expect(() => tf.engine().runKernel(RELU_GRAD, { dy, y: tf.zeros([3]) })).toThrow(/VitkitReluGrad: dy and y must be float32 of one shape/);
    tf.dispose([x, dy, y, got]);
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
