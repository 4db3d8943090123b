import * as path from 'path';
import { tf } from '../tf';
import { readSafetensors } from '../io/safetensors';
import { countMacs } from '../ops/macs';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '../testing/gradcheck';
import { Conv2d } from './conv2d';
import { fixturePath } from '../testing';

const FIXTURES = fixturePath();

/**
 * Direct convolution as PyTorch defines it, in float64: NCHW input, OIHW weight, zero padding, floor output size.
 * Returns NCHW.
 */
function directConv(
  x: ArrayLike<number>, [b, c, h, w]: number[],
  wt: ArrayLike<number>, [o, , k]: number[],
  bias: ArrayLike<number> | null, stride: number, pad: number,
): { data: Float64Array; shape: number[] } {
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - k) / stride) + 1;
  const out = new Float64Array(b * o * ho * wo);
  for (let n = 0; n < b; n++)
    for (let oc = 0; oc < o; oc++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          let s = bias ? bias[oc] : 0;
          for (let ic = 0; ic < c; ic++)
            for (let ki = 0; ki < k; ki++)
              for (let kj = 0; kj < k; kj++) {
                const yi = i * stride - pad + ki;
                const xj = j * stride - pad + kj;
                if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
                s += x[((n * c + ic) * h + yi) * w + xj] * wt[((oc * c + ic) * k + ki) * k + kj];
              }
          out[((n * o + oc) * ho + i) * wo + j] = s;
        }
  return { data: out, shape: [b, o, ho, wo] };
}

const toNHWC = (t: tf.Tensor) => tf.transpose(t, [0, 2, 3, 1]);

describe.each(TEST_BACKENDS)('Conv2d on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('computes a hand-checked 1-channel 2×2 convolution', () => {
    const conv = new Conv2d(1, 1, 2, { bias: true });
    // OIHW weight [[1, 2], [3, 4]], bias 0.5
    conv.weight.assignFromTorch(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]));
    conv.bias!.variable.assign(tf.tensor1d([0.5]));
    // input 3×3 = 1..9 (NHWC)
    const y = conv.forward(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]));
    // top-left window [1,2;4,5]: 1+4+12+20 = 37; then 2,3,5,6 → 2+6+15+24 = 47; 4,5,7,8 → 67; 5,6,8,9 → 77
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.dataSync())).toEqual([37.5, 47.5, 67.5, 77.5]);
    y.dispose();
    conv.dispose();
  });

  it.each([
    { k: 3, stride: 1, pad: 1, h: 5, w: 6 },
    { k: 3, stride: 2, pad: 1, h: 7, w: 6 },
    { k: 2, stride: 2, pad: 0, h: 6, w: 4 },
    { k: 3, stride: 2, pad: 0, h: 8, w: 7 },
    { k: 5, stride: 3, pad: 2, h: 9, w: 10 },
  ])('matches a direct convolution with PyTorch OIHW weights (k=$k stride=$stride pad=$pad, $h×$w)', ({ k, stride, pad, h, w }) => {
    const [b, c, o] = [2, 3, 4];
    const conv = new Conv2d(c, o, k, { stride, padding: pad });
    const wt = seededValues(o * c * k * k, 100 + k, 0.5);
    const bias = seededValues(o, 200 + k, 0.5);
    const xs = seededValues(b * c * h * w, 300 + h);
    conv.weight.assignFromTorch(tf.tensor4d(wt, [o, c, k, k]));
    conv.bias!.variable.assign(tf.tensor1d(bias));
    expect(conv.weight.shape).toEqual([k, k, c, o]);
    expect(conv.weight.torchShape).toEqual([o, c, k, k]);

    const ref = directConv(xs, [b, c, h, w], wt, [o, c, k, k], bias, stride, pad);
    const { result: y, macs } = countMacs(() => tf.tidy(() => conv.forward(toNHWC(tf.tensor4d(xs, [b, c, h, w])))));
    const [, , ho, wo] = ref.shape;
    expect(y.shape).toEqual([b, ho, wo, o]);
    expect(conv.outputSize(h)).toBe(ho);
    expect(conv.outputSize(w)).toBe(wo);
    expect(macs.byKind.get('conv')).toBe(b * ho * wo * o * c * k * k);
    const yNCHW = tf.transpose(y, [0, 3, 1, 2]);
    expect(maxAbsDiff(yNCHW.dataSync(), ref.data)).toBeLessThan(2e-6);
    // The PyTorch-layout view of the weight round-trips exactly.
    const back = conv.weight.toTorch();
    expect(Array.from(back.dataSync())).toEqual(Array.from(wt));
    tf.dispose([y, yNCHW, back]);
    conv.dispose();
  });

  it('reproduces torchvision resnet18_narrow conv1 (7×7, stride 2, padding 3, no bias) from the fixture', async () => {
    const { tensors } = await readSafetensors(path.join(FIXTURES, 'resnet18_narrow.safetensors'));
    const dbg = (await readSafetensors(path.join(FIXTURES, 'debug/resnet18_narrow.debug.safetensors'))).tensors;
    const w = tensors.get('conv1.weight')!;
    const input = tensors.get('__input__')!;
    const expected = dbg.get('__dbg__.conv1')!;
    expect(w.shape).toEqual([8, 3, 7, 7]);
    const conv = new Conv2d(3, 8, 7, { stride: 2, padding: 3, bias: false });
    conv.weight.assignFromTorch(tf.tensor(w.data, w.shape));
    const y = tf.tidy(() => tf.transpose(conv.forward(toNHWC(tf.tensor(input.data, input.shape))), [0, 3, 1, 2]));
    expect(y.shape).toEqual(expected.shape);
    expect(maxAbsDiff(y.dataSync(), expected.data)).toBeLessThan(1e-5);
    y.dispose();
    conv.dispose();
  });

  it('rejects non-NHWC input or a wrong channel count', () => {
    const conv = new Conv2d(3, 2, 3);
    const bad = tf.zeros([1, 3, 8, 8]);
    expect(() => conv.forward(bad)).toThrow(/Conv2d\(3→2\): expected NHWC input with 3 channels, got shape \[1,3,8,8\]/);
    bad.dispose();
    conv.dispose();
  });
});

// Gradient checks run on cpu only: the stock wasm backend has no Conv2DBackpropFilter kernel (a kernel pack
// registering it is developed separately in src/kernels and is tested there).
describe('Conv2d gradients on cpu', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    { k: 3, stride: 1, pad: 1 },
    { k: 3, stride: 2, pad: 1 },
  ])('match central differences w.r.t. input, weight and bias (k=$k stride=$stride pad=$pad)', ({ k, stride, pad }) => {
    const conv = new Conv2d(2, 3, k, { stride, padding: pad });
    const x = tf.variable(tf.tensor4d(seededValues(2 * 5 * 5 * 2, 42), [2, 5, 5, 2]));
    expectGradientsMatch(() => conv.forward(x), { x, weight: conv.weight.variable, bias: conv.bias!.variable });
    x.dispose();
    conv.dispose();
  });
});
