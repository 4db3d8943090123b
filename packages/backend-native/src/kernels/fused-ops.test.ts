import * as tf from '@tensorflow/tfjs';
import { gelu, layerNorm } from '@vitkit/core';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';
import { GELU, LAYER_NORM } from './fused-ops';

describeNative('native GELU, LayerNorm and softmax against cpu', () => {
  beforeAll(requireNative);

  it("@vitkit/core's gelu and layerNorm dispatch to the native fused kernels", async () => {
    await tf.setBackend('native');
    expect(tf.getKernel(GELU, 'native')).toBeDefined();
    expect(tf.getKernel(LAYER_NORM, 'native')).toBeDefined();
  });

  it('gelu (exact, erf): values and gradient', async () => {
    expect(await nativeVsCpu((x) => gelu(x), [{ shape: [4, 33], seed: 1, scale: 4 }])).toBeLessThan(1e-5);
  });

  it('layerNorm over the last axis: values and the gradients of x, gamma and beta', async () => {
    const diff = await nativeVsCpu((x, g, b) => layerNorm(x, g, b, 1e-6), [
      { shape: [3, 5, 24], seed: 1, scale: 3 },
      { shape: [24], seed: 2 },
      { shape: [24], seed: 3 },
    ]);
    expect(diff).toBeLessThan(1e-4);
  });

  it('softmax over the last axis: values and gradient', async () => {
    expect(await nativeVsCpu((x) => tf.softmax(x), [{ shape: [2, 3, 17], seed: 1, scale: 8 }])).toBeLessThan(1e-5);
  });
});
