import { tf } from '../tf';
import { countMacs } from '../ops/macs';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { expectGradientsMatch, seededValues } from '../testing/gradcheck';
import { Linear } from './linear';

describe.each(TEST_BACKENDS)('Linear on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('computes x W + b for rank-3 input', () => {
    const lin = new Linear(2, 3);
    lin.weight.variable.assign(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
    lin.bias!.variable.assign(tf.tensor1d([0.5, -1, 0]));
    const y = lin.forward(tf.tensor3d([[[1, 1], [2, -1]]]));
    expect(y.shape).toEqual([1, 2, 3]);
    expect(Array.from(y.dataSync())).toEqual([5.5, 6, 9, -1.5, -2, 0]);
    lin.dispose();
  });

  it('computes x W without bias for rank-2 and rank-4 input, and reports its MACs', () => {
    const lin = new Linear(3, 2, { bias: false });
    expect(lin.bias).toBeNull();
    expect(lin.namedParameters().map(([n]) => n)).toEqual(['weight']);
    // W (stored [in, out]) = [[1, 0], [0, 1], [2, -1]]  ⇒  y = [x0 + 2 x2, x1 − x2]
    lin.weight.variable.assign(tf.tensor2d([[1, 0], [0, 1], [2, -1]]));
    const y2 = lin.forward(tf.tensor2d([[1, 2, 3], [-1, 0, 0.5]]));
    expect(Array.from(y2.dataSync())).toEqual([7, -1, 0, -0.5]);
    const { result: y4, macs } = countMacs(() => lin.forward(tf.ones([2, 2, 5, 3])));
    expect(y4.shape).toEqual([2, 2, 5, 2]);
    expect(Array.from(y4.dataSync()).slice(0, 2)).toEqual([3, 0]);
    expect(macs.total).toBe(2 * 2 * 5 * 3 * 2);
    expect(macs.byKind.get('linear')).toBe(120);
    tf.dispose([y2, y4]);
    lin.dispose();
  });

  it('stores the weight [in, out] and exposes the PyTorch shape [out, in]', () => {
    const lin = new Linear(5, 7);
    expect(lin.weight.shape).toEqual([5, 7]);
    expect(lin.weight.torchShape).toEqual([7, 5]);
    expect(lin.weight.layout).toBe('linear');
    expect(lin.bias!.decay).toBe(false);
    expect(lin.weight.decay).toBe(true);
    // PyTorch default init: U(±1/√in) for weight and bias
    const bound = 1 / Math.sqrt(5);
    const w = lin.weight.variable.dataSync();
    expect(Math.max(...Array.from(w).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(w).map(Math.abs))).toBeGreaterThan(bound / 2);
    lin.dispose();
  });

  it('rejects an input with the wrong last dimension, naming both sizes', () => {
    const lin = new Linear(4, 2);
    const x = tf.zeros([3, 5]);
    expect(() => lin.forward(x)).toThrow(/Linear\(4→2\).*last dimension 5/);
    x.dispose();
    lin.dispose();
  });
});

describe.each(TEST_BACKENDS)('Linear gradients on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('match central differences w.r.t. input, weight and bias (rank-3 input)', () => {
    const lin = new Linear(4, 3);
    const x = tf.variable(tf.tensor3d(seededValues(2 * 3 * 4, 11), [2, 3, 4]));
    const before = tf.memory().numTensors;
    const r = expectGradientsMatch(() => lin.forward(x), { x, weight: lin.weight.variable, bias: lin.bias!.variable });
    expect(r.checked).toEqual({ x: 24, weight: 12, bias: 3 });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    lin.dispose();
  });

  it('gradcheck itself flags a wrong gradient (self-test of the helper)', () => {
    // y = x², with a custom gradient that is off by 10 % — the checker must report it.
    const wrongSquare = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(saved[0], 2.2)) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.variable(tf.tensor1d(seededValues(6, 5, 2)));
    expect(() => expectGradientsMatch(() => wrongSquare(x) as tf.Tensor, { x })).toThrow(/gradient mismatches/);
    expect(() => expectGradientsMatch(() => tf.square(x), { x })).not.toThrow();
    x.dispose();
  });
});
