import * as path from 'path';
import { tf } from '../tf';
import { readSafetensors } from '../io/safetensors';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '../testing/gradcheck';
import { BatchNorm2d } from './batch-norm';
import { Conv2d } from './conv2d';
import { fixturePath } from '../testing';

const FIXTURES = fixturePath();

/** Per-channel statistics of an NHWC array in float64: mean, biased and unbiased variance. */
function channelStats(x: ArrayLike<number>, c: number): { mean: number[]; biased: number[]; unbiased: number[] } {
  const n = x.length / c;
  const mean = new Array(c).fill(0);
  const ss = new Array(c).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / n;
  for (let i = 0; i < x.length; i++) ss[i % c] += (x[i] - mean[i % c]) ** 2;
  return { mean, biased: ss.map((s) => s / n), unbiased: ss.map((s) => s / (n - 1)) };
}

describe.each(TEST_BACKENDS)('BatchNorm2d on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('has PyTorch defaults, names and counts (buffers are not parameters)', () => {
    const bn = new BatchNorm2d(4);
    expect(bn.eps).toBe(1e-5);
    expect(bn.momentum).toBe(0.1);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var']);
    expect(bn.countParameters()).toEqual({ total: 8, trainable: 8 });
    expect(Array.from(bn.runningMean.dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([1, 1, 1, 1]);
    bn.dispose();
  });

  it('training: normalises with the biased batch variance and updates running stats with the unbiased one', () => {
    const c = 3;
    const bn = new BatchNorm2d(c, { eps: 1e-3, momentum: 0.25 });
    const gamma = [1.5, -0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    bn.weight.variable.assign(tf.tensor1d(gamma));
    bn.bias.variable.assign(tf.tensor1d(beta));
    const shape: [number, number, number, number] = [2, 3, 2, c];
    const x1 = Array.from(seededValues(2 * 3 * 2 * c, 21, 2)).map((v, i) => v + (i % c)); // distinct channel means
    const x2 = Array.from(seededValues(2 * 3 * 2 * c, 22, 1));
    const s1 = channelStats(x1, c);
    const s2 = channelStats(x2, c);

    const y = bn.forward(tf.tensor4d(x1, shape));
    const expected = x1.map((v, i) => ((v - s1.mean[i % c]) / Math.sqrt(s1.biased[i % c] + 1e-3)) * gamma[i % c] + beta[i % c]);
    expect(maxAbsDiff(y.dataSync(), expected)).toBeLessThan(1e-5);
    // running = (1 − m)·running + m·batch, starting from mean 0, var 1
    let rm = s1.mean.map((m) => 0.25 * m);
    let rv = s1.unbiased.map((v) => 0.75 + 0.25 * v);
    expect(maxAbsDiff(bn.runningMean.dataSync(), rm)).toBeLessThan(1e-6);
    expect(maxAbsDiff(bn.runningVar.dataSync(), rv)).toBeLessThan(1e-5);

    // Second step compounds the momentum.
    const y2 = bn.forward(tf.tensor4d(x2, shape));
    rm = rm.map((r, i) => 0.75 * r + 0.25 * s2.mean[i]);
    rv = rv.map((r, i) => 0.75 * r + 0.25 * s2.unbiased[i]);
    expect(maxAbsDiff(bn.runningMean.dataSync(), rm)).toBeLessThan(1e-6);
    expect(maxAbsDiff(bn.runningVar.dataSync(), rv)).toBeLessThan(1e-5);
    tf.dispose([y, y2]);
    bn.dispose();
  });

  it('training forwards (with the running-stat update) allocate no lasting tensors', () => {
    const bn = new BatchNorm2d(3);
    const x = tf.tensor4d(seededValues(2 * 2 * 2 * 3, 31), [2, 2, 2, 3]);
    tf.dispose(bn.forward(x));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(bn.forward(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    bn.dispose();
  });

  it('eval: uses the running statistics and leaves them unchanged', () => {
    const c = 2;
    const bn = new BatchNorm2d(c);
    bn.runningMean.assign(tf.tensor1d([1, -2]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    bn.weight.variable.assign(tf.tensor1d([2, 1]));
    bn.bias.variable.assign(tf.tensor1d([0, 1]));
    bn.eval();
    expect(bn.training).toBe(false);
    const xs = [3, -2, 1, 0, -1, -1.5, 5, -3];
    const y = bn.forward(tf.tensor4d(xs, [1, 2, 2, c]));
    const rm = [1, -2];
    const rv = [4, 0.25];
    const g = [2, 1];
    const b = [0, 1];
    const expected = xs.map((v, i) => ((v - rm[i % c]) / Math.sqrt(rv[i % c] + 1e-5)) * g[i % c] + b[i % c]);
    expect(maxAbsDiff(y.dataSync(), expected)).toBeLessThan(1e-6);
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -2]);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([4, 0.25]);
    y.dispose();
    bn.dispose();
  });

  // Note: torchvision's `relu` is in-place, so the fixture's `__dbg__.bn1` (a forward-hook capture) holds
  // relu(bn1(conv1(x))) — it has no negative values. The comparison therefore applies the ReLU too.
  it('eval reproduces torchvision resnet18_narrow relu(bn1(conv1(x))) from the fixture', async () => {
    const { tensors } = await readSafetensors(path.join(FIXTURES, 'resnet18_narrow.safetensors'));
    const dbg = (await readSafetensors(path.join(FIXTURES, 'debug/resnet18_narrow.debug.safetensors'))).tensors;
    const get = (k: string) => {
      const t = tensors.get(k)!;
      return tf.tensor(t.data, t.shape);
    };
    const conv = new Conv2d(3, 8, 7, { stride: 2, padding: 3, bias: false });
    conv.weight.assignFromTorch(get('conv1.weight'));
    const bn = new BatchNorm2d(8).eval();
    bn.weight.variable.assign(get('bn1.weight'));
    bn.bias.variable.assign(get('bn1.bias'));
    bn.runningMean.assign(get('bn1.running_mean'));
    bn.runningVar.assign(get('bn1.running_var'));
    const y = tf.tidy(() => tf.transpose(tf.relu(bn.forward(conv.forward(tf.transpose(get('__input__'), [0, 2, 3, 1])))), [0, 3, 1, 2]));
    const expected = dbg.get('__dbg__.bn1')!;
    expect(y.shape).toEqual(expected.shape);
    expect(maxAbsDiff(y.dataSync(), expected.data)).toBeLessThan(1e-4);
    y.dispose();
    conv.dispose();
    bn.dispose();
  });

  it('gradients match central differences in training mode (through the batch statistics) and in eval mode', () => {
    const c = 2;
    const bn = new BatchNorm2d(c);
    bn.weight.variable.assign(tf.tensor1d([1.3, -0.7]));
    bn.bias.variable.assign(tf.tensor1d([0.2, 0.4]));
    const x = tf.variable(tf.tensor4d(seededValues(2 * 3 * 3 * c, 77, 2), [2, 3, 3, c]));
    expectGradientsMatch(() => bn.forward(x), { x, weight: bn.weight.variable, bias: bn.bias.variable });
    bn.runningMean.assign(tf.tensor1d([0.3, -0.1]));
    bn.runningVar.assign(tf.tensor1d([2, 0.5]));
    bn.eval();
    expectGradientsMatch(() => bn.forward(x), { x, weight: bn.weight.variable, bias: bn.bias.variable });
    x.dispose();
    bn.dispose();
  });
});
