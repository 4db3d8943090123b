// BatchNorm's training-mode kernels (the contract of @vitkit/core's ops/batch-norm.ts, which dispatches on these names
// through tf.customGrad when the active backend registers them) and tfjs's FusedBatchNorm (fixed statistics, what
// tf.batchNorm and BatchNorm2d's eval mode run): src/addon/batch-norm.c.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

// Kernel names shared with @vitkit/core (BATCH_NORM_KERNEL, BATCH_NORM_GRAD_KERNEL).
export const BATCH_NORM = 'VitkitBatchNorm';
export const BATCH_NORM_GRAD = 'VitkitBatchNormGrad';

// The addon's entry points for these kernels (src/addon.ts lists the others).
declare module '../addon' {
  interface NativeAddon {
    /** Statistics over the rows of x (rows of gamma's length): y, mean and biased variance per channel. */
    batchNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): void;
    /** dx (through the batch's mean and variance), dgamma and dbeta of batchNorm. */
    /** y = (x − mean)·scale + shift over the rows of x (rows of mean's length; scale and shift the same length). */
    batchNormAffine(x: Float32Array, mean: Float32Array, scale: Float32Array, shift: Float32Array, y: Float32Array): void;
    batchNormGrad(
      dy: Float32Array,
      x: Float32Array,
      mean: Float32Array,
      variance: Float32Array,
      gamma: Float32Array,
      dx: Float32Array,
      dGamma: Float32Array,
      dBeta: Float32Array,
      eps: number
    ): void;
  }
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Inputs x [..., C], gamma [C], beta [C]; attr eps. Outputs y, mean [C] and variance [C]. */
function batchNorm(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const { eps } = args.attrs as { eps: number };
  const c = x.shape[x.shape.length - 1];
  const y = backend.output([...x.shape]);
  const mean = backend.output([c]);
  const variance = backend.output([c]);
  backend.addon.batchNorm(backend.f32(x), backend.f32(gamma), backend.f32(beta), y.values, mean.values, variance.values, eps);
  return [y.info, mean.info, variance.info];
}

/** Inputs dy, x, mean, variance, gamma; attr eps. Outputs dx, dgamma, dbeta. */
function batchNormGrad(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { dy, x, mean, variance, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo>;
  const { eps } = args.attrs as { eps: number };
  const c = x.shape[x.shape.length - 1];
  const dx = backend.output([...x.shape]);
  const dgamma = backend.output([c]);
  const dbeta = backend.output([c]);
  const f = (t: tf.TensorInfo) => backend.f32(t);
  backend.addon.batchNormGrad(f(dy), f(x), f(mean), f(variance), f(gamma), dx.values, dgamma.values, dbeta.values, eps);
  return [dx.info, dgamma.info, dbeta.info];
}

/**
 * tfjs's FusedBatchNorm: inputs x, mean, variance and optional scale and offset, attr varianceEpsilon (default 0.001);
 * y = offset + (x − mean)·scale/√(variance + ε), each parameter cycling over x's values as in the cpu kernel. The
 * native pass covers the usual case (every parameter one value per channel of the last axis, or a single value);
 * other layouts and dtypes run the cpu kernel.
 */
function fusedBatchNorm(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, mean, variance, scale, offset } = args.inputs as Record<'x' | 'mean' | 'variance', tf.TensorInfo> & Partial<Record<'scale' | 'offset', tf.TensorInfo>>;
  const eps = (args.attrs as { varianceEpsilon?: number } | undefined)?.varianceEpsilon ?? 0.001;
  const size = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);
  const c = size(mean);
  const xSize = size(x);
  const fits = (t: tf.TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && (size(t) === c || size(t) === 1));
  const native = [x, mean, variance].every((t) => t.dtype === 'float32') && c > 0 && xSize > 0 && xSize % c === 0 && size(variance) === c && fits(scale) && fits(offset);
  if (!native) return runCpuKernel('FusedBatchNorm', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  const perChannel = (t: tf.TensorInfo | undefined, none: number) => {
    if (t === undefined) return new Float32Array(c).fill(none);
    const v = backend.f32(t);
    return v.length === c ? v : new Float32Array(c).fill(v[0]);
  };
  const v = backend.f32(variance);
  const s = perChannel(scale, 1);
  // folded in double, one rounding: γ/√(σ² + ε) as the cpu kernel computes it
  const a = new Float32Array(c);
  for (let k = 0; k < c; k++) a[k] = s[k] / Math.sqrt(v[k] + eps);
  const y = backend.output([...x.shape]);
  backend.addon.batchNormAffine(backend.f32(x), backend.f32(mean), a, perChannel(offset, 0), y.values);
  return y.info;
}

export const batchNormConfigs = [
  { kernelName: 'FusedBatchNorm', kernelFunc: fusedBatchNorm as unknown as tf.KernelFunc },
  { kernelName: BATCH_NORM, kernelFunc: batchNorm as unknown as tf.KernelFunc },
  { kernelName: BATCH_NORM_GRAD, kernelFunc: batchNormGrad as unknown as tf.KernelFunc },
];
