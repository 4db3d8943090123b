import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { residualAdd } from './residual-add';

describe.each(TEST_BACKENDS)('residualAdd on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('adds, and passes the gradient to both inputs', () => {
    const [a, b] = [tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([10, 20, 30, 40], [2, 2])];
    const sum = residualAdd(a, b);
    expect(Array.from(sum.dataSync())).toEqual([11, 22, 33, 44]);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(residualAdd(x, y), tf.tensor2d([1, 2, 3, 4], [2, 2]))))([a, b]);
    expect(Array.from(da.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(db.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([a, b, sum, da, db]);
  });

  it('broadcasts like tf.add where the shapes differ', () => {
    const [a, b] = [tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([10, 20])];
    const [sum, da, db] = tf.tidy(() => [residualAdd(a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(residualAdd(x, y)))([a, b])]);
    expect(Array.from(sum.dataSync())).toEqual([11, 22, 13, 24]);
    expect(Array.from(da.dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(db.dataSync())).toEqual([2, 2]);
    tf.dispose([a, b, sum, da, db]);
  });

  it("saves neither input: a branch's output is not held until the backward pass ends", async () => {
    const x = tf.variable(tf.randomNormal([64, 64]));
    const chain = (add: (p: tf.Tensor, q: tf.Tensor) => tf.Tensor) => async () => {
      const { grads, value } = tf.variableGrads(() => {
        let h: tf.Tensor = x;
        for (let i = 0; i < 4; i++) h = add(h, tf.sin(h)); // sin saves h; nothing needs the branch's output sin(h)
        return tf.sum(h) as tf.Scalar;
      }, [x]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const ours = (await tf.profile(chain(residualAdd))).peakBytes;
    const stock = (await tf.profile(chain(tf.add))).peakBytes;
    expect(stock - ours).toBeGreaterThanOrEqual(4 * 64 * 64 * 4);
    x.dispose();
  });
});
