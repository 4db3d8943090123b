import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { bytesWhenGradientReachesInput } from '../testing/backward-memory';
import { maxAbsDiff, seededValues } from '../testing/gradcheck';
import { linear } from './linear';

/** Value and the three gradients of sum(f(x, w, b) · r) for a fixed random r. */
function valueAndGrads(f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, r: tf.Tensor) {
  const y = tf.tidy(() => f(x, w, b));
  const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), r)))([x, w, b]);
  const out = [y, ...grads].map((t) => Array.from(t.dataSync()));
  tf.dispose([y, ...grads]);
  return out;
}

describe.each(TEST_BACKENDS)('linear on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('gives matMul + bias and the same gradients as the composed ops', () => {
    const [x, w, b, r] = [
      tf.tensor2d(seededValues(5 * 7, 1), [5, 7]),
      tf.tensor2d(seededValues(7 * 3, 2), [7, 3]),
      tf.tensor1d(seededValues(3, 3)),
      tf.tensor2d(seededValues(5 * 3, 4), [5, 3]),
    ];
    const ours = valueAndGrads((xi, wi, bi) => linear(xi, wi, bi), x, w, b, r);
    const composed = valueAndGrads((xi, wi, bi) => tf.add(tf.matMul(xi, wi), bi), x, w, b, r);
    ours.forEach((v, i) => expect(maxAbsDiff(v, composed[i])).toBeLessThan(1e-5));
    const noBias = tf.tidy(() => Array.from(linear(x, w, null).dataSync()));
    expect(maxAbsDiff(noBias, tf.tidy(() => Array.from(tf.matMul(x, w).dataSync())))).toBeLessThan(1e-5);
    tf.dispose([x, w, b, r]);
  });

  it('keeps less on the tape than matMul + add: the product before the bias is not saved', async () => {
    const [x, w, b] = [tf.randomNormal([64, 32]) as tf.Tensor2D, tf.variable(tf.randomNormal([32, 32])) as tf.Variable<tf.Rank.R2>, tf.variable(tf.zeros([32])) as tf.Variable<tf.Rank.R1>];
    const step = (f: (h: tf.Tensor2D) => tf.Tensor2D) => async () => {
      const { grads, value } = tf.variableGrads(() => tf.sum(f(f(f(x)))) as tf.Scalar, [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const ours = (await tf.profile(step((h) => linear(h, w, b) as tf.Tensor2D))).peakBytes;
    const composed = (await tf.profile(step((h) => tf.add(tf.matMul(h, w), b)))).peakBytes;
    // each of the three layers' [64, 32] products (8 KiB) is no longer held until the backward pass ends
    expect(composed - ours).toBeGreaterThanOrEqual(3 * 64 * 32 * 4);
    tf.dispose([x, w, b]);
  });

  it("releases its saved input once its gradient has run, as PyTorch does (releaseSaved), not when the backward pass ends", () => {
    const layers = 4;
    const [x, w, b] = [tf.variable(tf.randomNormal([64, 256])) as tf.Variable<tf.Rank.R2>, tf.variable(tf.mul(tf.randomNormal([256, 256]), 0.05)) as tf.Variable<tf.Rank.R2>, tf.variable(tf.zeros([256])) as tf.Variable<tf.Rank.R1>];
    const bytesAtBottom = (f: (h: tf.Tensor2D) => tf.Tensor) => bytesWhenGradientReachesInput(x, f, layers, [w, b]);
    const ours = bytesAtBottom((h) => linear(h, w, b));
    const kept = bytesAtBottom((h) => tf.add(tf.matMul(h, w), b));
    // Stock ops hold every layer's input and product until the end: ~2 activations a layer beyond ours, and tfjs counts
    // the tape's clone of a saved tensor as well. Saved but not released, ours would differ by the products alone.
    expect(kept - ours).toBeGreaterThanOrEqual(4 * layers * 64 * 256 * 4);
    tf.dispose([x, w, b]);
  });

  it("takes any rank, and never disposes a caller's own output gradient", () => {
    const [x, w, b] = [tf.randomNormal([2, 3, 4]), tf.randomNormal([4, 5]) as tf.Tensor2D, tf.randomNormal([5]) as tf.Tensor1D];
    const dy = tf.onesLike(tf.zeros([2, 3, 5]));
    const dx = tf.grad((xi: tf.Tensor) => linear(xi, w, b))(x, dy);
    expect(dy.isDisposed).toBe(false);
    expect(dx.shape).toEqual([2, 3, 4]);
    const ref = tf.tidy(() => tf.reshape(tf.matMul(tf.ones([6, 5]), w, false, true), [2, 3, 4]));
    expect(maxAbsDiff(dx.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
    const y = linear(x, w, b);
    expect(y.shape).toEqual([2, 3, 5]);
    tf.dispose([x, w, b, dy, dx, ref, y]);
  });

  it('leaks no tensor across training steps', () => {
    const [x, w, b] = [tf.randomNormal([8, 4]) as tf.Tensor2D, tf.variable(tf.randomNormal([4, 6])), tf.variable(tf.zeros([6]))];
    const step = () => {
      const { grads, value } = tf.variableGrads(() => tf.sum(linear(x, w as tf.Variable<tf.Rank.R2>, b as tf.Variable<tf.Rank.R1>)) as tf.Scalar, [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});
