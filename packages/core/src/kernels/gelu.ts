// Fused exact GELU, x·Φ(x), for the wasm backend: one pass forward and one backward (the composed version runs
// ~5 kernels forward and ~10 backward, Erf and Exp among the slowest of stock wasm, and keeps their outputs on the
// tape). Φ uses the same erf approximation as tfjs's cpu backend (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7).
import { tf } from '../tf';
import { asWasmBackend, f32Of, KernelArgs, markOwn } from './wasm-util';

export const GELU = 'VitkitGelu';
export const GELU_GRAD = 'VitkitGeluGrad';

const P = 0.3275911;
const A1 = 0.254829592;
const A2 = -0.284496736;
const A3 = 1.421413741;
const A4 = -1.453152027;
const A5 = 1.061405429;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) = ½(1 + erf(x/√2)), given e = exp(−x²/2) (which the gradient reuses). */
function cdf(x: number, e: number): number {
  const z = Math.abs(x) * SQRT1_2;
  const t = 1 / (1 + P * z);
  const erf = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * e;
  return x < 0 ? 0.5 * (1 - erf) : 0.5 * (1 + erf);
}

function gelu(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const y = backend.makeOutput([...x.shape], 'float32');
  const xs = f32Of(backend, x);
  const ys = f32Of(backend, y);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    ys[i] = v * cdf(v, Math.exp(-0.5 * v * v));
  }
  return y;
}
markOwn(gelu as unknown as tf.KernelFunc);

/** Inputs dy, x. dx = dy·(Φ(x) + x·φ(x)). */
function geluGrad(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dys = f32Of(backend, dy);
  const xs = f32Of(backend, x);
  const dxs = f32Of(backend, dx);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    const e = Math.exp(-0.5 * v * v);
    dxs[i] = dys[i] * (cdf(v, e) + v * e * INV_SQRT_2PI);
  }
  return dx;
}
markOwn(geluGrad as unknown as tf.KernelFunc);

export const geluConfig: tf.KernelConfig = {
  kernelName: GELU,
  backendName: 'wasm',
  kernelFunc: gelu as unknown as tf.KernelFunc,
};

export const geluGradConfig: tf.KernelConfig = {
  kernelName: GELU_GRAD,
  backendName: 'wasm',
  kernelFunc: geluGrad as unknown as tf.KernelFunc,
};
