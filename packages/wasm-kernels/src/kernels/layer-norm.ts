// Fused LayerNorm over the last axis for the wasm backend: one pass per row instead of ~6 forward and ~15 backward
// kernels, and the backward pass needs only x and two numbers per row (the composed version keeps every
// intermediate on the tape). Used by the `layerNorm` op through tf.customGrad. On the single-threaded wasm build, rows
// whose length is a multiple of 4 go through generated SIMD code (simd-elementwise.ts, float32 statistics, ~8× faster);
// the JS loops (float64 statistics) cover the rest.
import { LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL, tf } from '@vitkit/core';
import { simdElementwiseFor } from '../jit/simd-elementwise';
import { markOwn } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, KernelArgs, ptrOf } from '../heap/wasm-backend';

export { LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL };

/** Inputs x, gamma, beta; attr eps. Outputs y (x's shape), mean and rstd (one per row). */
function layerNorm(args: KernelArgs): tf.TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { eps } = args.attrs as { eps: number };
  const d = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / d;
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  // typed views only after every allocation (an allocation may grow the heap and detach earlier views)
  const simd = d % 4 === 0 ? simdElementwiseFor(backend) : undefined;
  if (simd) {
    const p = (t: tf.TensorInfo) => ptrOf(backend, t);
    simd.layerNorm(p(x), p(gamma), p(beta), p(y), p(mean), p(rstd), rows, d, eps);
    return [y, mean, rstd];
  }
  const xs = f32Of(backend, x);
  const g = f32Of(backend, gamma);
  const b = f32Of(backend, beta);
  const ys = f32Of(backend, y);
  const ms = f32Of(backend, mean);
  const rs = f32Of(backend, rstd);
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += xs[o + j];
    const mu = s / d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = xs[o + j] - mu;
      v += c * c;
    }
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) ys[o + j] = (xs[o + j] - mu) * inv * g[j] + b[j];
    ms[r] = mu;
    rs[r] = inv;
  }
  return [y, mean, rstd];
}
markOwn(layerNorm as unknown as tf.KernelFunc);

/** Inputs dy, x, mean, rstd, gamma. Outputs dx, dgamma, dbeta. */
function layerNormGrad(args: KernelArgs): tf.TensorInfo[] {
  const backend = asWasmBackend(args.backend);
  const { dy, x, mean, rstd, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'rstd' | 'gamma', tf.TensorInfo>;
  const d = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / d;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([d], 'float32');
  const dbeta = backend.makeOutput([d], 'float32');
  const simd = d % 4 === 0 ? simdElementwiseFor(backend) : undefined;
  if (simd) {
    const p = (t: tf.TensorInfo) => ptrOf(backend, t);
    f32Of(backend, dgamma).fill(0);
    f32Of(backend, dbeta).fill(0);
    simd.layerNormGrad(p(dy), p(x), p(mean), p(rstd), p(gamma), p(dx), p(dgamma), p(dbeta), rows, d);
    return [dx, dgamma, dbeta];
  }
  const dys = f32Of(backend, dy);
  const xs = f32Of(backend, x);
  const ms = f32Of(backend, mean);
  const rs = f32Of(backend, rstd);
  const g = f32Of(backend, gamma);
  const dxs = f32Of(backend, dx);
  const accG = new Float64Array(d);
  const accB = new Float64Array(d);
  const xhat = new Float64Array(d);
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    const mu = ms[r];
    const inv = rs[r];
    // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const xh = (xs[o + j] - mu) * inv;
      xhat[j] = xh;
      const gy = dys[o + j];
      const gh = gy * g[j];
      sumG += gh;
      sumGX += gh * xh;
      accG[j] += gy * xh;
      accB[j] += gy;
    }
    const a = sumG / d;
    const c = sumGX / d;
    for (let j = 0; j < d; j++) dxs[o + j] = inv * (dys[o + j] * g[j] - a - xhat[j] * c);
  }
  f32Of(backend, dgamma).set(accG);
  f32Of(backend, dbeta).set(accB);
  return [dx, dgamma, dbeta];
}
markOwn(layerNormGrad as unknown as tf.KernelFunc);

export const layerNormConfig: tf.KernelConfig = {
  kernelName: LAYER_NORM_KERNEL,
  backendName: 'wasm',
  kernelFunc: layerNorm as unknown as tf.KernelFunc,
};

export const layerNormGradConfig: tf.KernelConfig = {
  kernelName: LAYER_NORM_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: layerNormGrad as unknown as tf.KernelFunc,
};
