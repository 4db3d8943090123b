import { tf } from '@vitkit/core';
import { meanConfig } from './mean';
import { measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

type Case = { shape: number[]; axis: number | number[]; keepDims?: boolean };
const cases: Case[] = [
  { shape: [37, 29], axis: 0 },
  { shape: [3, 5, 7, 9], axis: [0, 1, 2], keepDims: true }, // BatchNorm statistics of NHWC
  { shape: [4, 9, 3, 11], axis: 1 },
  { shape: [6, 10], axis: -1 }, // trailing axis: stock kernel
  { shape: [6, 5, 10], axis: [0, 2] }, // not contiguous: stock kernel
  { shape: [3, 5, 7, 16], axis: [0, 1, 2], keepDims: true }, // even kept block: generated SIMD sum
];

describe('wasm Mean kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Mean', 'wasm')?.kernelFunc).toBe(meanConfig.kernelFunc);
  });

  it.each(cases.map((c, i) => [`${c.shape} axis ${c.axis} keepDims ${!!c.keepDims}`, i] as const))('matches cpu: %s', async (_n, i) => {
    const c = cases[i];
    const f = () => {
      const x = randomTensor(c.shape, 60 + i);
      const y = tf.mean(x, c.axis, c.keepDims);
      return [y, tf.tensor(y.shape.length ? y.shape : [1], undefined, 'float32')];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    expect(Array.from(got[1])).toEqual(Array.from(ref[1]));
    expect(relError(got[0], ref[0])).toBeLessThan(1e-6);
  });

  it('tf.moments over [B, H, W] and its gradient match cpu', async () => {
    const f = () => {
      const x = randomTensor([4, 5, 6, 12], 1);
      const r = randomTensor([12], 2);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const g = tf.grad((p: tf.Tensor) => {
        const m = tf.moments(p, [0, 1, 2]);
        return tf.sum(tf.mul(tf.add(m.mean, m.variance), r));
      })(x);
      return [mean, variance, g];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('leaks nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([6, 7, 30], 1);
    expectNoLeakOf(() => [tf.mean(x, 0), tf.mean(x, [0, 1], true), tf.mean(x, -1)]);
    x.dispose();
  });
});
