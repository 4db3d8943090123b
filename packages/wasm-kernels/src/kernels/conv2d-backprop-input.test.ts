import { tf } from '@vitkit/core';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { convChunk } from './conv2d-backprop-filter';
import { caseName, convCases, measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

/** The kernel called directly (dy and filter random), and the input gradient of sum(conv(x, w) * r) through tf.grad. */
function dxOf(i: number) {
  const c = convCases[i];
  return () => {
    const x = randomTensor(c.x, 100 + i) as tf.Tensor4D;
    const w = randomTensor(c.w, 200 + i) as tf.Tensor4D;
    const yShape = tf.conv2d(x, w, c.s, c.pad).shape;
    const dy = randomTensor(yShape, 300 + i);
    const strides = typeof c.s === 'number' ? [c.s, c.s] : c.s;
    const direct = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
      inputShape: c.x,
      strides,
      pad: c.pad,
      dataFormat: 'NHWC',
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const viaGrad = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, w, c.s, c.pad), dy)))(x);
    return [direct, viaGrad];
  };
}

describe('wasm Conv2DBackpropInput kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputConfig.kernelFunc);
  });

  it.each(convCases.map((c, i) => [caseName(c), i] as const))('dx matches cpu: %s', async (_n, i) => {
    const ref = await runOn('cpu', dxOf(i));
    const got = await runOn('wasm', dxOf(i));
    expect(got[0].length).toBe(convCases[i].x.reduce((p, q) => p * q, 1));
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('conv2dTranspose (same kernel) matches cpu', async () => {
    const f = () => {
      const x = randomTensor([2, 5, 6, 7], 1) as tf.Tensor4D;
      const w = randomTensor([3, 3, 4, 7], 2) as tf.Tensor4D;
      return [tf.conv2dTranspose(x, w, [2, 10, 11, 4], 2, 'same'), tf.conv2dTranspose(x, w, [2, 7, 8, 4], 1, 'valid')];
    };
    const ref = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('gives the same result when the strided path is split into many chunks', async () => {
    const full = await runOn('wasm', dxOf(3));
    const saved = convChunk.elems;
    convChunk.elems = 300;
    try {
      const chunked = await runOn('wasm', dxOf(3));
      for (let k = 0; k < full.length; k++) expect(relError(chunked[k], full[k])).toBeLessThan(1e-6);
    } finally {
      convChunk.elems = saved;
    }
  });

  it('leaks no tensor, backend buffer, heap or view (both paths)', async () => {
    await runOn('wasm', () => []);
    const w = randomTensor([3, 3, 4, 6], 1);
    const dy1 = randomTensor([2, 9, 9, 6], 2);
    const dy2 = randomTensor([2, 5, 5, 6], 3);
    expectNoLeakOf(() => [
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: dy1, filter: w },
        {
          inputShape: [2, 9, 9, 4],
          strides: [1, 1],
          pad: 'same',
          dataFormat: 'NHWC',
        }
      ) as tf.Tensor,
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: dy2, filter: w },
        {
          inputShape: [2, 9, 9, 4],
          strides: [2, 2],
          pad: 'same',
          dataFormat: 'NHWC',
        }
      ) as tf.Tensor,
    ]);
    tf.dispose([w, dy1, dy2]);
  });
});
