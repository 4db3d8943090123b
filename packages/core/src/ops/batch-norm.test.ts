import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { maxAbsDiff, seededValues } from '../testing/gradcheck';
import { batchNormTraining } from './batch-norm';

describe.each(TEST_BACKENDS)('batchNormTraining on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('returns the per-channel mean and biased variance over every axis but the last, and the output they give', () => {
    const c = 3;
    const xs = seededValues(2 * 4 * c, 11, 2);
    const gamma = [0.5, -1, 2];
    const beta = [0.1, 0.2, -0.3];
    const { y, mean, variance } = batchNormTraining(tf.tensor3d(xs, [2, 4, c]), tf.tensor1d(gamma), tf.tensor1d(beta), 1e-5);
    const rows = xs.length / c;
    const m = [0, 1, 2].map((k) => Array.from({ length: rows }, (_, r) => xs[r * c + k]).reduce((a, v) => a + v, 0) / rows);
    const v = [0, 1, 2].map((k) => Array.from({ length: rows }, (_, r) => (xs[r * c + k] - m[k]) ** 2).reduce((a, t) => a + t, 0) / rows);
    const ref = xs.map((x, i) => ((x - m[i % c]) / Math.sqrt(v[i % c] + 1e-5)) * gamma[i % c] + beta[i % c]);
    expect(mean.shape).toEqual([c]);
    expect(maxAbsDiff(mean.dataSync(), m)).toBeLessThan(1e-6);
    expect(maxAbsDiff(variance.dataSync(), v)).toBeLessThan(1e-5);
    expect(maxAbsDiff(y.dataSync(), ref)).toBeLessThan(1e-5);
    tf.dispose([y, mean, variance]);
  });

  it('refuses a gamma or beta that does not match the channels, naming the shapes', () => {
    const [x, gamma, beta] = [tf.zeros([2, 4]), tf.ones([3]), tf.zeros([4])];
    expect(() => batchNormTraining(x, gamma, beta, 1e-5)).toThrow('batchNormTraining: x [2,4] needs rank ≥ 2, and gamma [3] and beta [4] the 4 elements of its last axis');
    tf.dispose([x, gamma, beta]);
  });
});
