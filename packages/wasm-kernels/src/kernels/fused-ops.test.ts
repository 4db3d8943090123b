// The fused LayerNorm and GELU kernels (wasm) against the composed tfjs ops on the cpu reference backend: values and
// gradients on odd shapes, the saved-tensor count, and leaks.
import { gelu, layerNorm, tf } from '@vitkit/core';
import { GELU_KERNEL, geluConfig } from './gelu';
import { LAYER_NORM_KERNEL, layerNormConfig } from './layer-norm';
import { simdElementwiseFor } from '../jit/simd-elementwise';
import {
  describeJitModes,
  measureLeak,
  NO_LEAK,
  randomTensor,
  relError,
  runOn,
  setupBackends,
  wasmBackend,
} from '../testing/kernel-tests';

describe('fused LayerNorm and GELU kernels (wasm)', () => {
  beforeAll(setupBackends);

  it('are registered for wasm only (cpu and tfjs-node use the composed ops)', () => {
    expect(tf.getKernel(LAYER_NORM_KERNEL, 'wasm')?.kernelFunc).toBe(layerNormConfig.kernelFunc);
    expect(tf.getKernel(GELU_KERNEL, 'wasm')?.kernelFunc).toBe(geluConfig.kernelFunc);
    expect(tf.getKernel(LAYER_NORM_KERNEL, 'cpu')).toBeUndefined();
  });

  // Generated SIMD code (default; rows whose length is a multiple of 4, n − n mod 4 GELU elements) and the JS loops.
  describeJitModes((mode) => {
    it('uses the generated kernels exactly when they are on', async () => {
      await runOn('wasm', () => []);
      expect(simdElementwiseFor(wasmBackend()) !== undefined).toBe(mode === 'generated wasm');
    });

    it.each([
      [[3, 7, 13], 1e-5],
      [[2, 5, 192], 1e-6],
      [[1, 1], 1e-5],
    ])(
      'layerNorm %j (eps %d): values and the gradients of x, gamma and beta match the composed ops on cpu',
      async (shape, eps) => {
        const d = shape[shape.length - 1];
        const f = () => {
          // a large offset exercises the variance's cancellation
          const x = tf.add(randomTensor(shape, 1), 3);
          const g = randomTensor([d], 2);
          const b = randomTensor([d], 3);
          const r = randomTensor(shape, 4);
          const y = layerNorm(x, g, b, eps);
          const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
            tf.sum(tf.mul(layerNorm(xi, gi, bi, eps), r))
          )([x, g, b]);
          return [y, ...grads];
        };
        const ref = await runOn('cpu', f);
        const got = await runOn('wasm', f);
        expect(relError(got[0], ref[0])).toBeLessThan(1e-5);
        for (let k = 1; k < ref.length; k++) expect(relError(got[k], ref[k])).toBeLessThan(1e-4);
      }
    );

    it('layerNorm of a constant row is beta (zero variance, eps keeps it finite)', async () => {
      const [y] = await runOn('wasm', () => [
        layerNorm(tf.fill([2, 4], 5), tf.ones([4]), tf.tensor1d([1, 2, 3, 4]), 1e-5),
      ]);
      expect(Array.from(y)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    });

    it('layerNorm rejects a gamma of the wrong size', async () => {
      await runOn('wasm', () => []);
      expect(() => layerNorm(tf.zeros([2, 4]), tf.ones([3]), tf.zeros([4]), 1e-5)).toThrow(/gamma \[3\] .* 4 elements/);
    });

    it('gelu: values and gradient match the composed ops on cpu, over the whole range', async () => {
      const f = () => {
        const x = tf.mul(randomTensor([5, 7, 33], 5), 6); // [-6, 6)
        const r = randomTensor([5, 7, 33], 6);
        return [gelu(x), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(gelu(xi), r)))(x)];
      };
      const ref = await runOn('cpu', f);
      const got = await runOn('wasm', f);
      expect(relError(got[0], ref[0])).toBeLessThan(1e-6);
      expect(relError(got[1], ref[1])).toBeLessThan(1e-6);
    });

    it('gelu against float64 values of x·Φ(x) and Φ(x) + x·φ(x)', async () => {
      const xs = [-5, -2.5, -1, -0.3, 0, 0.3, 1, 2.5, 5];
      // Φ from a float64 series of erf (converges for |x/√2| <= 3.6)
      const erf = (z: number) => {
        let term = z;
        let sum = z;
        for (let n = 1; n < 200; n++) {
          term *= (-z * z) / n;
          sum += term / (2 * n + 1);
        }
        return (2 / Math.sqrt(Math.PI)) * sum;
      };
      const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
      const [y, dx] = await runOn('wasm', () => {
        const x = tf.tensor1d(xs);
        return [gelu(x), tf.grad((xi: tf.Tensor) => tf.sum(gelu(xi)))(x)];
      });
      xs.forEach((x, i) => {
        expect(Math.abs(y[i] - x * cdf(x))).toBeLessThan(1e-6);
        expect(Math.abs(dx[i] - (cdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)))).toBeLessThan(1e-6);
      });
    });

    it('gelu of ±∞, NaN, ±0 and |x| past every table and clamp', async () => {
      const xs = [Infinity, -Infinity, NaN, 0, -0, 9, -9, 30, -30, 1e30, -1e30, 1e-30];
      const [y, dx] = await runOn('wasm', () => {
        const x = tf.tensor1d(xs);
        return [gelu(x), tf.grad((xi: tf.Tensor) => tf.sum(gelu(xi)))(x)];
      });
      expect(Array.from(y.slice(0, 3))).toEqual([Infinity, NaN, NaN]);
      // x·Φ(x) is x for large x and −0 (|x·Φ(x)| < 1e-17) for very negative x; Φ + x·φ goes to 1 and 0.
      const want = [0, 0, 9, 0, 30, 0, Math.fround(1e30), 0, 0.5 * Math.fround(1e-30)];
      want.forEach((v, i) => expect(Math.abs(y[3 + i] - v)).toBeLessThanOrEqual(Math.max(1e-17, 1e-6 * Math.abs(v))));
      const wantDx = [0.5, 0.5, 1, 0, 1, 0, 1, 0, 0.5];
      wantDx.forEach((v, i) => expect(Math.abs(dx[3 + i] - v)).toBeLessThan(1e-6));
      expect(dx[2]).toBeNaN();
    });
  });

  it('keep less on the tape than the composed ops', async () => {
    const peakBytes = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const x = randomTensor([4, 9, 16], 7);
      const g = randomTensor([16], 8);
      const b = randomTensor([16], 9);
      const loss = (xi: tf.Tensor) => tf.sum(gelu(layerNorm(xi, g, b, 1e-5)));
      const info = await tf.profile(() => tf.dispose(tf.grad(loss)(x)));
      tf.dispose([x, g, b]);
      return info.peakBytes;
    };
    const composedPeak = await peakBytes('cpu');
    const fusedPeak = await peakBytes('wasm');
    expect(fusedPeak).toBeLessThan(composedPeak / 2);
  });

  it('leak nothing', async () => {
    await runOn('wasm', () => []);
    const x = randomTensor([3, 5, 8], 10);
    const g = randomTensor([8], 11);
    const b = randomTensor([8], 12);
    expect(
      measureLeak(() => [
        layerNorm(x, g, b, 1e-5),
        gelu(x),
        ...tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(gelu(layerNorm(xi, gi, bi, 1e-5))))([
          x,
          g,
          b,
        ]),
      ])
    ).toEqual(NO_LEAK);
    tf.dispose([x, g, b]);
  });
});
