import { tf } from '@vitkit/core';
import { conv2DBackpropFilterConfig, convChunk } from './conv2d-backprop-filter';
import { caseName, convCases, measureLeak, NO_LEAK, randomTensor, relError, runOn, setupBackends } from '../testing/kernel-tests';

const expectNoLeakOf = (fn: () => tf.TensorContainer) => expect(measureLeak(fn)).toEqual(NO_LEAK);

/** Forward conv and the gradients wrt input and filter of sum(conv(x, w) * r). */
function convAndGrads(i: number) {
  const c = convCases[i];
  return () => {
    const x = randomTensor(c.x, 100 + i) as tf.Tensor4D;
    const w = randomTensor(c.w, 200 + i) as tf.Tensor4D;
    const y = tf.conv2d(x, w, c.s, c.pad);
    const r = randomTensor(y.shape, 300 + i);
    const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, c.s, c.pad), r)))(
      [x, w]
    );
    return [y, dx, dw];
  };
}

describe('wasm Conv2DBackpropFilter kernel', () => {
  beforeAll(setupBackends);

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterConfig.kernelFunc);
  });

  it.each(convCases.map((c, i) => [caseName(c), i] as const))('conv values and gradients match cpu: %s', async (_n, i) => {
    const ref = await runOn('cpu', convAndGrads(i));
    const got = await runOn('wasm', convAndGrads(i));
    for (let k = 0; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-5);
  });

  it('gives the same result when the im2col is split into many chunks', async () => {
    const full = await runOn('wasm', convAndGrads(1));
    const saved = convChunk.elems;
    convChunk.elems = 200; // a handful of output pixels per chunk
    try {
      const chunked = await runOn('wasm', convAndGrads(1));
      for (let k = 0; k < full.length; k++) expect(relError(chunked[k], full[k])).toBeLessThan(1e-6);
      const chunked2 = await runOn('wasm', convAndGrads(3));
      convChunk.elems = saved;
      const full2 = await runOn('wasm', convAndGrads(3));
      for (let k = 0; k < full2.length; k++) expect(relError(chunked2[k], full2[k])).toBeLessThan(1e-6);
    } finally {
      convChunk.elems = saved;
    }
  });

  it('leaks no tensor, backend buffer, heap or view (per-offset, im2col and chunked paths)', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([2, 9, 9, 4], 1);
    const dy = randomTensor([2, 5, 5, 6], 2);
    const run = () => [
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        {
          strides: [2, 2],
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 4, 6],
        }
      ) as tf.Tensor,
    ];
    expectNoLeakOf(run);
    const x16 = randomTensor([2, 9, 9, 16], 3);
    expectNoLeakOf(() => [
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: x16, dy },
        {
          strides: [2, 2],
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 16, 6],
        }
      ) as tf.Tensor,
    ]);
    x16.dispose();
    const saved = convChunk.elems;
    convChunk.elems = 100;
    try {
      expectNoLeakOf(run);
    } finally {
      convChunk.elems = saved;
    }
    tf.dispose([x, dy]);
  });
});
