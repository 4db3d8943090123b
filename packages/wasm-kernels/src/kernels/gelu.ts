// Fused exact GELU, x·Φ(x), for the wasm backend: one pass forward and one backward (the composed version runs
// ~5 kernels forward and ~10 backward, Erf and Exp among the slowest of stock wasm, and keeps their outputs on the
// tape). On the single-threaded wasm build the loops run as generated SIMD code (simd-elementwise.ts, ~5-8× faster);
// the JS loops here cover the other builds and the last n mod 4 elements. In JS, Φ and φ come from cubic Hermite tables (the derivatives are known exactly: Φ' = φ, φ' = −xφ) on [−8, 8] with
// step 1/32: |error| < 1e-8 and no Math.exp in the loops, which would cost ~25 ns per element.
import { GELU_KERNEL, GELU_GRAD_KERNEL, tf } from '@vitkit/core';
import { simdElementwiseFor } from '../jit/simd-elementwise';
import { markOwn } from '../heap/stock-kernels';
import { asWasmBackend, f32Of, KernelArgs, ptrOf } from '../heap/wasm-backend';

export { GELU_KERNEL, GELU_GRAD_KERNEL };

const RANGE = 8;
const STEPS_PER_UNIT = 32;
const H = 1 / STEPS_PER_UNIT;
const NODES = 2 * RANGE * STEPS_PER_UNIT + 1;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Node values: Φ(x_i) and φ(x_i) at x_i = −8 + i·h, in float64. */
function buildTables(): { cdf: Float64Array; pdf: Float64Array } {
  const pdf = new Float64Array(NODES);
  const cdf = new Float64Array(NODES);
  const phi = (x: number) => INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  for (let i = 0; i < NODES; i++) pdf[i] = phi(-RANGE + i * H);
  // Φ(x_i) = ½ + ∫₀^{x_i} φ, by composite Simpson on 64 sub-steps per node interval (error ~1e-15)
  const mid = RANGE * STEPS_PER_UNIT;
  cdf[mid] = 0.5;
  const sub = 64;
  const hs = H / sub;
  for (let i = mid; i < NODES - 1; i++) {
    const x0 = -RANGE + i * H;
    let acc = 0;
    for (let k = 0; k < sub; k++) {
      const a = x0 + k * hs;
      acc += (hs / 6) * (phi(a) + 4 * phi(a + hs / 2) + phi(a + hs));
    }
    cdf[i + 1] = cdf[i] + acc;
    cdf[2 * mid - i - 1] = 1 - cdf[i + 1];
  }
  return { cdf, pdf };
}

const { cdf: CDF, pdf: PDF } = buildTables();

/** Φ(x) (and φ(x) in `phiOut[0]` when asked) by cubic Hermite interpolation; exact limits outside [−8, 8]. */
function normal(x: number, phiOut?: Float64Array): number {
  if (!(x > -RANGE)) {
    if (phiOut) phiOut[0] = 0;
    return x !== x ? NaN : 0;
  }
  if (x >= RANGE) {
    if (phiOut) phiOut[0] = 0;
    return 1;
  }
  const u = (x + RANGE) * STEPS_PER_UNIT;
  const i = u | 0;
  const t = u - i;
  const t2 = t * t;
  const t3 = t2 * t;
  const h00 = 2 * t3 - 3 * t2 + 1;
  const h10 = t3 - 2 * t2 + t;
  const h01 = 3 * t2 - 2 * t3;
  const h11 = t3 - t2;
  const p0 = PDF[i];
  const p1 = PDF[i + 1];
  if (phiOut) {
    // φ' = −xφ at the two nodes
    const x0 = -RANGE + i * H;
    phiOut[0] = h00 * p0 - h10 * H * x0 * p0 + h01 * p1 - h11 * H * (x0 + H) * p1;
  }
  return h00 * CDF[i] + h10 * H * p0 + h01 * CDF[i + 1] + h11 * H * p1;
}

function gelu(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const y = backend.makeOutput([...x.shape], 'float32');
  const xs = f32Of(backend, x);
  const ys = f32Of(backend, y);
  const simd = simdElementwiseFor(backend);
  const groups = simd ? xs.length >>> 2 : 0;
  if (simd) simd.gelu(ptrOf(backend, x), ptrOf(backend, y), groups);
  for (let i = groups * 4; i < xs.length; i++) {
    const v = xs[i];
    ys[i] = v * normal(v);
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
  const phi = new Float64Array(1);
  const simd = simdElementwiseFor(backend);
  const groups = simd ? xs.length >>> 2 : 0;
  if (simd) simd.geluGrad(ptrOf(backend, dy), ptrOf(backend, x), ptrOf(backend, dx), groups);
  for (let i = groups * 4; i < xs.length; i++) {
    const v = xs[i];
    const c = normal(v, phi);
    dxs[i] = dys[i] * (c + v * phi[0]);
  }
  return dx;
}
markOwn(geluGrad as unknown as tf.KernelFunc);

export const geluConfig: tf.KernelConfig = {
  kernelName: GELU_KERNEL,
  backendName: 'wasm',
  kernelFunc: gelu as unknown as tf.KernelFunc,
};

export const geluGradConfig: tf.KernelConfig = {
  kernelName: GELU_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: geluGrad as unknown as tf.KernelFunc,
};
