import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { bytesWhenGradientReachesInput } from '../testing/backward-memory';
import { maxAbsDiff, seededValues } from '../testing/gradcheck';
import { conv2d } from './conv2d';
import { relu } from './relu';

/** Value and every input's gradient of sum(f(...inputs) · r) for a fixed r. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], r: tf.Tensor): number[][] {
  const y = tf.tidy(() => f(...inputs));
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs);
  const out = [y, ...grads].map((t) => Array.from(t.dataSync()));
  tf.dispose([y, ...grads]);
  return out;
}

describe.each(TEST_BACKENDS)('conv2d and relu on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    ['3×3, stride 1, padding 1, bias', 1, 1, true],
    ['3×3, stride 2, padding 1, no bias', 2, 1, false],
    ['3×3, stride 2, no padding, bias', 2, 'valid', true],
  ] as const)('conv2d %s: the values and gradients of tf.conv2d (+ add)', (_name, stride, pad, withBias) => {
    const x = tf.tensor4d(seededValues(2 * 7 * 6 * 3, 1), [2, 7, 6, 3]);
    const w = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const b = tf.tensor1d(seededValues(4, 3));
    const outShape = tf.conv2d(x, w, stride, pad).shape;
    const r = tf.tensor(seededValues(outShape.reduce((a, c) => a * c, 1), 4), outShape);
    const inputs = withBias ? [x, w, b] : [x, w];
    const ours = valueAndGrads((xi, wi, bi) => conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, bi ? (bi as tf.Tensor1D) : null, stride, pad), inputs, r);
    const stock = valueAndGrads((xi, wi, bi) => (bi ? tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, pad), bi) : tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, pad)), inputs, r);
    ours.forEach((v, i) => expect(maxAbsDiff(v, stock[i])).toBeLessThan(1e-4));
    tf.dispose([x, w, b, r]);
  });

  it('relu: the values and gradient of tf.relu, zero where the input is zero', () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
    const r = tf.tensor1d([1, 2, 3, 4, 5]);
    const [y, dx] = valueAndGrads((xi) => relu(xi), [x], r);
    expect(y).toEqual([0, 0, 0, 0.5, 3]);
    expect(dx).toEqual([0, 0, 0, 4, 5]);
    tf.dispose([x, r]);
  });

  it('a conv → relu chain releases its activations once back-propagated: fewer bytes alive at the bottom than with the stock ops', () => {
    const x = tf.variable(tf.randomNormal([2, 16, 16, 8]));
    const w = tf.variable(tf.mul(tf.randomNormal([3, 3, 8, 8]), 0.1));
    const layers = 4;
    const bytesAtBottom = (layer: (h: tf.Tensor4D) => tf.Tensor) => bytesWhenGradientReachesInput(x, layer, layers, [w]);
    const ours = bytesAtBottom((h) => relu(conv2d(h, w as tf.Variable<tf.Rank.R4>, null, 1, 1)));
    const stock = bytesAtBottom((h) => tf.relu(tf.conv2d(h, w as tf.Variable<tf.Rank.R4>, 1, 1)));
    // released, about 4 activations a layer ([2, 16, 16, 8], 16 KiB: inputs, outputs, their clones and gradients) fewer;
    // saved but not released (relu saving its output is all that is left), only 2
    expect(stock - ours).toBeGreaterThanOrEqual(3 * layers * 2 * 16 * 16 * 8 * 4);
    tf.dispose([x, w]);
  });
});

describe.each(TEST_BACKENDS)('conv2d gradients on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it("computes the input's gradient only when it is asked for (a first layer's image needs none)", async () => {
    const image = tf.tensor4d(seededValues(2 * 9 * 9 * 3, 5), [2, 9, 9, 3]);
    const w = tf.variable(tf.tensor4d(seededValues(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]));
    const b = tf.variable(tf.tensor1d(seededValues(4, 7)));
    const loss = () => tf.sum(conv2d(image, w as tf.Variable<tf.Rank.R4>, b as tf.Variable<tf.Rank.R1>, 2, 1)) as tf.Scalar;
    const training = await tf.profile(() => tf.variableGrads(loss).grads);
    expect(training.kernelNames).toContain('Conv2DBackpropFilter');
    expect(training.kernelNames).not.toContain('Conv2DBackpropInput');
    tf.dispose(Object.values(training.result as tf.NamedTensorMap));
    // a saliency map asks for it: then it is the stock op's
    const ours = tf.grad((x: tf.Tensor) => tf.sum(tf.square(conv2d(x as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, b as tf.Variable<tf.Rank.R1>, 2, 1))))(image);
    const stock = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 2, 1), b))))(image);
    expect(maxAbsDiff(Array.from(ours.dataSync()), Array.from(stock.dataSync()))).toBeLessThan(1e-4);
    tf.dispose([image, w, b, ours, stock]);
  });

  it('leaks no tensor through a training step, with or without bias, whichever gradients are asked for', () => {
    const x = tf.variable(tf.tensor4d(seededValues(1 * 6 * 6 * 2, 8), [1, 6, 6, 2]));
    const w = tf.variable(tf.tensor4d(seededValues(3 * 3 * 2 * 3, 9), [3, 3, 2, 3]));
    const b = tf.variable(tf.tensor1d(seededValues(3, 10)));
    const before = tf.memory().numTensors;
    for (const varList of [[x, w, b], [w, b], [x], [b]]) {
      for (const bias of varList.length === 1 && varList[0] === b ? [b] : [b, null]) {
        const { value, grads } = tf.variableGrads(() => tf.sum(conv2d(x as tf.Variable<tf.Rank.R4>, w as tf.Variable<tf.Rank.R4>, bias as tf.Variable<tf.Rank.R1> | null, 1, 1)) as tf.Scalar, varList);
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});
