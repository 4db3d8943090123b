import { tf } from '../tf';
import { TEST_BACKENDS, useBackend } from '../testing/backends';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '../testing/gradcheck';
import { GroupNorm } from './group-norm';

/** GroupNorm in float64 on a flat NHWC array, written from PyTorch's definition. */
function groupNorm64(x: ArrayLike<number>, [b, h, w, c]: number[], groups: number, eps: number, gamma: number[], beta: number[]): Float64Array {
  const out = new Float64Array(x.length);
  const cg = c / groups;
  for (let n = 0; n < b; n++)
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++) for (let j = 0; j < cg; j++) idx.push((n * h * w + p) * c + g * cg + j);
      const mean = idx.reduce((s, i) => s + x[i], 0) / idx.length;
      const v = idx.reduce((s, i) => s + (x[i] - mean) ** 2, 0) / idx.length;
      for (const i of idx) out[i] = ((x[i] - mean) / Math.sqrt(v + eps)) * gamma[i % c] + beta[i % c];
    }
  return out;
}

describe.each(TEST_BACKENDS)('GroupNorm on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('has PyTorch names, defaults and counts', () => {
    const gn = new GroupNorm(2, 4);
    expect(gn.eps).toBe(1e-5);
    expect(gn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(gn.countParameters()).toEqual({ total: 8, trainable: 8 });
    expect(() => new GroupNorm(3, 4)).toThrow(/4 channels cannot be split into 3 groups/);
    gn.dispose();
  });

  it('normalises each sample and channel group: a hand-computed case', () => {
    // One sample, 1×2 pixels, 4 channels in 2 groups. Group 0 holds {1, 3, 5, 7} (mean 4, var 5), group 1 {0, 0, 2, 2} (mean 1, var 1).
    const gn = new GroupNorm(2, 4, 0);
    const y = gn.forward(tf.tensor4d([1, 3, 0, 0, 5, 7, 2, 2], [1, 1, 2, 4]));
    const s5 = Math.sqrt(5);
    expect(maxAbsDiff(y.dataSync(), [-3 / s5, -1 / s5, -1, -1, 1 / s5, 3 / s5, 1, 1])).toBeLessThan(1e-6);
    tf.dispose(y);
    gn.dispose();
  });

  it('matches a float64 reference with an affine transform and several samples', () => {
    const shape = [2, 3, 2, 6];
    const gn = new GroupNorm(3, 6, 1e-3);
    const gamma = [1.5, -0.5, 2, 0.3, 1, -1];
    const beta = [0.1, 0.2, -0.3, 0, 0.5, -0.5];
    gn.weight.variable.assign(tf.tensor1d(gamma));
    gn.bias.variable.assign(tf.tensor1d(beta));
    const x = Array.from(seededValues(72, 5, 2)).map((v, i) => v + (i % 6));
    const y = gn.forward(tf.tensor4d(x, shape as [number, number, number, number]));
    expect(maxAbsDiff(y.dataSync(), groupNorm64(x, shape, 3, 1e-3, gamma, beta))).toBeLessThan(2e-5);
    tf.dispose(y);
    gn.dispose();
  });

  it('has numerically correct gradients for input, weight and bias', () => {
    const gn = new GroupNorm(2, 4, 1e-3);
    const x = tf.variable(tf.tensor4d(seededValues(2 * 2 * 3 * 4, 9, 1.5), [2, 2, 3, 4]));
    gn.weight.variable.assign(tf.tensor1d([1.2, -0.7, 0.5, 2]));
    expectGradientsMatch(() => gn.forward(x), { x, weight: gn.weight.variable, bias: gn.bias.variable }, { eps: 1e-2 });
    x.dispose();
    gn.dispose();
  });
});
