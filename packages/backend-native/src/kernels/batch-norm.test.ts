import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '@vitkit/core';
import { describeNative, nativeVsCpu, requireNative } from '../testing/compare';
import { registerNativeBackend } from '../register';
import { BATCH_NORM, BATCH_NORM_GRAD } from './batch-norm';

describeNative('native BatchNorm (training mode) against cpu', () => {
  beforeAll(requireNative);

  it("@vitkit/core's batchNormTraining dispatches to the native kernels", async () => {
    await tf.setBackend('native');
    expect(tf.getKernel(BATCH_NORM, 'native')).toBeDefined();
    expect(tf.getKernel(BATCH_NORM_GRAD, 'native')).toBeDefined();
  });

  it('NHWC output and the gradients of x (through the batch statistics), gamma and beta', async () => {
    const diff = await nativeVsCpu((x, g, b) => batchNormTraining(tf.add(x, 3), g, b, 1e-5).y, [
      { shape: [4, 5, 6, 8], seed: 1, scale: 2 },
      { shape: [8], seed: 2 },
      { shape: [8], seed: 3 },
    ]);
    expect(diff).toBeLessThan(1e-4);
  });

  it('the batch mean and biased variance it returns', async () => {
    const diff = await nativeVsCpu((x, g, b) => {
      const { mean, variance } = batchNormTraining(tf.add(x, 3), g, b, 1e-5);
      return tf.concat([mean, variance]);
    }, [
      { shape: [2, 7, 3, 5], seed: 4, scale: 2 },
      { shape: [5], seed: 5 },
      { shape: [5], seed: 6 },
    ], false);
    expect(diff).toBeLessThan(1e-5);
  });

  describe('rows split over 3 threads', () => {
    beforeAll(() => registerNativeBackend({ threads: 3 }));
    afterAll(() => registerNativeBackend({ threads: 2 }));

    it('gives the cpu result (per-thread partial sums added up)', async () => {
      // 2048 rows of 32 channels: the pool's grain of 16 K elements makes 3 uneven chunks
      const diff = await nativeVsCpu((x, g, b) => batchNormTraining(x, g, b, 1e-5).y, [
        { shape: [8, 16, 16, 32], seed: 7 },
        { shape: [32], seed: 8 },
        { shape: [32], seed: 9 },
      ]);
      expect(diff).toBeLessThan(1e-4);
    });
  });

  describe("tfjs's FusedBatchNorm (fixed statistics: tf.batchNorm, BatchNorm2d in eval mode)", () => {
    it('is the native kernel on this backend', () => {
      expect(tf.getKernel('FusedBatchNorm', 'native')).toBeDefined();
    });

    it('gives the cpu result with per-channel scale and offset, over 3 threads, and its gradients', async () => {
      await registerNativeBackend({ threads: 3 });
      try {
        // 2048 rows of 32 channels: 3 uneven chunks; a variance kept positive, eps 1e-3
        const diff = await nativeVsCpu((x, m, v, o, s) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), o, s, 1e-3), [
          { shape: [8, 16, 16, 32], seed: 11, scale: 2 },
          { shape: [32], seed: 12 },
          { shape: [32], seed: 13 },
          { shape: [32], seed: 14 },
          { shape: [32], seed: 15 },
        ]);
        expect(diff).toBeLessThan(1e-4);
      } finally {
        await registerNativeBackend({ threads: 2 });
      }
    });

    it('without scale or offset, with one-value parameters, and on 2-D input', async () => {
      const variance = (v: tf.Tensor) => tf.add(tf.abs(v), 0.5);
      const cases: Array<() => Promise<number>> = [
        () => nativeVsCpu((x, m, v) => tf.batchNorm(x, m, variance(v)), [{ shape: [3, 5, 7], seed: 21 }, { shape: [7], seed: 22 }, { shape: [7], seed: 23 }], false),
        () =>
          nativeVsCpu((x, m, v, o, s) => tf.batchNorm(x, m, variance(v), o, s, 1e-5), [
            { shape: [6, 4], seed: 24 },
            { shape: [4], seed: 25 },
            { shape: [4], seed: 26 },
            { shape: [1], seed: 27 },
            { shape: [1], seed: 28 },
          ], false),
      ];
      for (const run of cases) expect(await run()).toBeLessThan(1e-5);
    });

    it('parameters laid out other than one per channel run the cpu kernel (same result)', async () => {
      // mean over the whole last two axes: 3·4 values cycling over x, as the cpu kernel reads them
      const diff = await nativeVsCpu((x, m, v) => tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5)), [
        { shape: [2, 3, 4], seed: 31 },
        { shape: [3, 4], seed: 32 },
        { shape: [3, 4], seed: 33 },
      ], false);
      expect(diff).toBeLessThan(1e-5);
    });
  });

  it('refuses a gamma that does not match the channels, naming the kernel', async () => {
    await tf.setBackend('native');
    const [x, g, b] = [tf.zeros([2, 3, 4]), tf.ones([3]), tf.zeros([4])];
    expect(() => tf.engine().runKernel(BATCH_NORM, { x, gamma: g, beta: b }, { eps: 1e-5 })).toThrow(/batchNorm: .* do not agree in size/);
    tf.dispose([x, g, b]);
  });
});
