import * as tf from '@tensorflow/tfjs';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';

describeNative('native DepthwiseConv2dNative and its input gradient against cpu', () => {
  beforeAll(requireNative);

  it.each([
    ["T2T's first soft split: 7×7 stride 4 pad 2, multiplier 49", [2, 20, 20, 3], [7, 7, 3, 49], 4, 2, 1],
    ['3×3 stride 1 same, multiplier 1', [2, 9, 11, 8], [3, 3, 8, 1], 1, 'same', 1],
    ['3×3 valid, multiplier 3, dilation 2 (values only: tfjs has no gradient for dilations)', [1, 15, 13, 4], [3, 3, 4, 3], 1, 'valid', 2],
  ] as const)('%s: values, and the gradients of x (native) and of the filter (cpu kernel), to rounding', async (_name, xShape, fShape, stride, pad, dilation) => {
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad as 'same' | 'valid' | number, 'NHWC', dilation);
    const inputs = [
      { shape: [...xShape], seed: 1, scale: 2 },
      { shape: [...fShape], seed: 2 },
    ];
    expect(await nativeVsCpu(f, inputs, false)).toBeLessThan(1e-6);
    if (dilation === 1) expect(await nativeVsCpu(f, inputs)).toBeLessThan(1e-6);
  });
});
