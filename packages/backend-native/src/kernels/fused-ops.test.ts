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

  // The kernels use their own vectorised exp and erfc (src/addon/fast-math.h), not libm's: check them on a dense grid
  // against double-precision references, including the tails where 1 + erf(x/√2) would cancel.
  it('gelu, its gradient and softmax hold float accuracy on a dense grid of -12 … 12', async () => {
    await tf.setBackend('native');
    const n = 24001;
    const xs = Float64Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
    const x = tf.tensor1d(Float32Array.from(xs));
    const [y, dx] = tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => gelu(t));
      return [gelu(x), g(x)];
    });
    const yv = await y.data();
    const dv = await dx.data();
    let worstY = 0;
    let worstD = 0;
    xs.forEach((v, i) => {
      const xf = Math.fround(v);
      const cdf = normalCdf(xf);
      const pdf = Math.exp(-0.5 * xf * xf) / Math.sqrt(2 * Math.PI);
      worstY = Math.max(worstY, Math.abs(yv[i] - xf * cdf) / Math.max(1, Math.abs(xf * cdf)));
      worstD = Math.max(worstD, Math.abs(dv[i] - (cdf + xf * pdf)));
    });
    expect(worstY).toBeLessThan(1e-6);
    expect(worstD).toBeLessThan(1e-6);
    const logits = tf.tensor2d(Float32Array.from({ length: 2 * 200 }, (_, i) => (i % 200) * 0.5 - 50), [2, 200]);
    const p = await tf.softmax(logits).data();
    const row = Array.from({ length: 200 }, (_, i) => Math.fround(i * 0.5 - 50));
    const z = row.reduce((a, v) => a + Math.exp(v - row[199]), 0);
    row.forEach((v, i) => expect(Math.abs(p[i] - Math.exp(v - row[199]) / z)).toBeLessThan(1e-7 + 2e-6 * (Math.exp(v - row[199]) / z)));
    tf.dispose([x, y, dx, logits]);
  });

  it('layerNorm over the last axis: values and the gradients of x, gamma and beta', async () => {
    const diff = await nativeVsCpu((x, g, b) => layerNorm(x, g, b, 1e-6), [
      { shape: [3, 5, 24], seed: 1, scale: 3 },
      { shape: [24], seed: 2 },
      { shape: [24], seed: 3 },
    ]);
    expect(diff).toBeLessThan(1e-4);
  });

  // The row statistics are summed in vectorised partial lanes; the mean's lanes are double so a large common offset
  // costs no more than rounding the mean to float does: half an ulp of 1000 (2^-15) over σ, about 4e-3 in x̂ here.
  it('layerNorm keeps the accuracy of a float mean on rows with a large offset (1000 ± 0.01)', async () => {
    await tf.setBackend('native');
    const rows = 64;
    const d = 200;
    const xs = Float32Array.from({ length: rows * d }, (_, i) => 1000 + Math.sin(i * 1.3) * 0.01);
    const y = tf.tidy(() => layerNorm(tf.tensor2d(xs, [rows, d]), tf.ones([d]), tf.zeros([d]), 1e-12).dataSync());
    let worst = 0;
    let meanRounding = 0;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(xs.subarray(r * d, (r + 1) * d));
      const mu = row.reduce((a, v) => a + v, 0) / d;
      const sigma = Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / d);
      meanRounding = Math.max(meanRounding, 2 ** -15 / sigma);
      row.forEach((v, k) => (worst = Math.max(worst, Math.abs(y[r * d + k] - (v - mu) / sigma))));
    }
    expect(worst).toBeLessThan(1.5 * meanRounding);
  });

  it('softmax over the last axis: values and gradient', async () => {
    expect(await nativeVsCpu((x) => tf.softmax(x), [{ shape: [2, 3, 17], seed: 1, scale: 8 }])).toBeLessThan(1e-5);
  });
});

/** Φ(x) in double precision: erfc by its continued fraction in the tails, the Taylor series of erf near 0. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let erfc: number;
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let k = 1; k < 80; k++) {
      term *= (-z * z) / k;
      sum += term / (2 * k + 1);
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let k = 120; k >= 1; k--) f = k / 2 / (z + f);
    erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
  }
  return x < 0 ? erfc / 2 : 1 - erfc / 2;
}
