// BatchNorm's training-mode kernels (the contract of @vitkit/core's ops/batch-norm.ts, which dispatches on these names
// through tf.customGrad when the active backend registers them): src/addon/batch-norm.c.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';

// Kernel names shared with @vitkit/core (BATCH_NORM_KERNEL, BATCH_NORM_GRAD_KERNEL).
export const BATCH_NORM = 'VitkitBatchNorm';
export const BATCH_NORM_GRAD = 'VitkitBatchNormGrad';

// The addon's entry points for these kernels (src/addon.ts lists the others).
declare module '../addon' {
  interface NativeAddon {
    /** Statistics over the rows of x (rows of gamma's length): y, mean and biased variance per channel. */
    batchNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): void;
    /** dx (through the batch's mean and variance), dgamma and dbeta of batchNorm. */
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

export const batchNormConfigs = [
  { kernelName: BATCH_NORM, kernelFunc: batchNorm as unknown as tf.KernelFunc },
  { kernelName: BATCH_NORM_GRAD, kernelFunc: batchNormGrad as unknown as tf.KernelFunc },
];
