import * as tf from '@tensorflow/tfjs';
import { gelu, layerNorm } from '@vitkit/core';
import { registerNativeBackend } from './register';
import { describeNative, nativeVsCpu, requireNative } from './testing/compare';

// Shapes large enough that the addon's pool splits them (≥ 2 chunks of ≥ 16–32 K elements at 2+ threads).
describeNative('native kernels split across threads (pool of src/addon/parallel.c)', () => {
  beforeAll(async () => {
    await requireNative();
    await registerNativeBackend({ threads: 3 }); // an odd count: uneven last chunk
  });
  afterAll(() => registerNativeBackend({ threads: 2 }));

  const cases: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, number[][], number]> = [
    ['broadcast add [96, 1024] + [1024]', (a, b) => tf.add(a, b), [[96, 1024], [1024]], 1e-6],
    ['broadcast mul [2, 48, 1, 128] · [48, 7, 1]', (a, b) => tf.mul(a, b), [[2, 48, 1, 128], [48, 7, 1]], 1e-6],
    ['transpose [64, 3, 4, 96] → [1, 2, 0, 3]', (x) => tf.transpose(x, [1, 2, 0, 3]), [[64, 3, 4, 96]], 0],
    ['sum over rows of [300, 700]', (x) => tf.sum(x, 0), [[300, 700]], 1e-5],
    ['sum over the last axis of [300, 700]', (x) => tf.sum(x, -1), [[300, 700]], 1e-5],
    ['gelu on 100 000 elements', (x) => gelu(x), [[100, 1000]], 1e-5],
    ['layerNorm rows of [300, 384]', (x, g, b) => layerNorm(x, g, b, 1e-5), [[300, 384], [384], [384]], 1e-4],
    ['softmax rows of [700, 96]', (x) => tf.softmax(x), [[700, 96]], 1e-5],
  ];
  it.each(cases)('%s: values and gradients equal cpu', async (_n, f, shapes, tol) => {
    const diff = await nativeVsCpu(f, shapes.map((shape, i) => ({ shape, seed: i + 1 })));
    expect(diff).toBeLessThanOrEqual(tol === 0 ? 0 : tol);
  });
});
