import { tf } from '@vitkit/core';
import { TEST_BACKENDS, useBackend } from '@vitkit/core/testing';
import { halfSquaredNorm, tokenSum } from './performer-ops';

/** Deterministic values in (-1, 1). */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed));

/** f(x) and d/dx Σ f(x)·r as arrays. */
function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, r: tf.Tensor): [number[], number[]] {
  const y = tf.tidy(() => f(x));
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(x);
  const out: [number[], number[]] = [Array.from(y.dataSync()), Array.from(g.dataSync())];
  tf.dispose([y, g]);
  return out;
}

describe.each(TEST_BACKENDS)("the performer's reductions on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it('halfSquaredNorm and tokenSum give the composed ops’ values and gradients, and leak nothing', () => {
    const x = tf.tensor3d(values(3 * 7 * 5, 1), [3, 7, 5]);
    const rNorm = tf.tensor3d(values(3 * 7, 2), [3, 7, 1]);
    const rSum = tf.tensor2d(values(3 * 5, 3), [3, 5]);
    const before = tf.memory().numTensors;
    const [norm, dNorm] = valueAndGrad((t) => halfSquaredNorm(t as tf.Tensor3D), x, rNorm);
    const [sum, dSum] = valueAndGrad((t) => tokenSum(t as tf.Tensor3D), x, rSum);
    expect(tf.memory().numTensors).toBe(before);
    const [norm0, dNorm0] = valueAndGrad((t) => tf.div(tf.sum(tf.mul(t, t), -1, true), 2), x, rNorm);
    const [sum0, dSum0] = valueAndGrad((t) => tf.sum(t, 1), x, rSum);
    expect(norm).toEqual(norm0);
    expect(sum).toEqual(sum0);
    dNorm.forEach((v, i) => expect(Math.abs(v - dNorm0[i])).toBeLessThan(1e-6));
    expect(dSum).toEqual(dSum0);
    tf.dispose([x, rNorm, rSum]);
  });
});
