import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '../testing/gradcheck';
import { LayerNorm } from './layer-norm';

/** Float64 reference: biased variance over the last axis. */
function layerNormRef(x: ArrayLike<number>, dim: number, eps: number, gamma: ArrayLike<number>, beta: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let mean = 0;
    for (let j = 0; j < dim; j++) mean += x[r * dim + j];
    mean /= dim;
    let v = 0;
    for (let j = 0; j < dim; j++) v += (x[r * dim + j] - mean) ** 2;
    v /= dim;
    for (let j = 0; j < dim; j++) out[r * dim + j] = ((x[r * dim + j] - mean) / Math.sqrt(v + eps)) * gamma[j] + beta[j];
  }
  return out;
}

describe.each(TEST_BACKENDS)('LayerNorm on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('normalises [1,2,3,4] to hand-computed values (mean 2.5, biased variance 1.25)', () => {
    const ln = new LayerNorm(4, 1e-5);
    const y = ln.forward(tf.tensor2d([[1, 2, 3, 4]]));
    const s = Math.sqrt(1.25 + 1e-5);
    const expected = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s];
    expect(maxAbsDiff(y.dataSync(), expected)).toBeLessThan(2e-7);
    y.dispose();
    ln.dispose();
  });

  it('applies weight and bias per feature on rank-3 input and matches a float64 reference', () => {
    const dim = 6;
    const ln = new LayerNorm(dim, 1e-6);
    const gamma = seededValues(dim, 3, 2);
    const beta = seededValues(dim, 4, 1);
    ln.weight.variable.assign(tf.tensor1d(gamma));
    ln.bias.variable.assign(tf.tensor1d(beta));
    const xs = seededValues(2 * 5 * dim, 5, 3);
    const y = ln.forward(tf.tensor3d(xs, [2, 5, dim]));
    expect(y.shape).toEqual([2, 5, dim]);
    expect(maxAbsDiff(y.dataSync(), layerNormRef(xs, dim, 1e-6, gamma, beta))).toBeLessThan(2e-6);
    expect(ln.namedParameters().map(([n, p]) => [n, p.shape, p.decay])).toEqual([
      ['weight', [dim], false],
      ['bias', [dim], false],
    ]);
    y.dispose();
    ln.dispose();
  });

  it('uses the eps it is given: 1e-5 and 1e-6 differ visibly on a low-variance row', () => {
    // Row variance ≈ 1.25e-6, comparable to eps, so the two settings give clearly different outputs.
    const xs = [1e-3, 2e-3, 3e-3, 4e-3];
    const ones = [1, 1, 1, 1];
    const zeros = [0, 0, 0, 0];
    const ref5 = layerNormRef(xs, 4, 1e-5, ones, zeros);
    const ref6 = layerNormRef(xs, 4, 1e-6, ones, zeros);
    expect(maxAbsDiff(ref5, ref6)).toBeGreaterThan(0.3);
    for (const [eps, ref] of [[1e-5, ref5], [1e-6, ref6]] as const) {
      const ln = new LayerNorm(4, eps);
      expect(ln.eps).toBe(eps);
      const y = ln.forward(tf.tensor2d([xs]));
      expect(maxAbsDiff(y.dataSync(), ref)).toBeLessThan(1e-4);
      y.dispose();
      ln.dispose();
    }
  });

  it('gradients match central differences w.r.t. input, weight and bias', () => {
    const dim = 5;
    const ln = new LayerNorm(dim, 1e-5);
    ln.weight.variable.assign(tf.tensor1d(seededValues(dim, 7, 1.5)));
    ln.bias.variable.assign(tf.tensor1d(seededValues(dim, 8, 0.5)));
    const x = tf.variable(tf.tensor3d(seededValues(2 * 3 * dim, 9, 2), [2, 3, dim]));
    expectGradientsMatch(() => ln.forward(x), { x, weight: ln.weight.variable, bias: ln.bias.variable });
    x.dispose();
    ln.dispose();
  });
});
