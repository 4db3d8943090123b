// vitkit's fused kernels (the contracts of @vitkit/core's ops/gelu.ts and ops/layer-norm.ts, which dispatch on the
// kernel names below through tf.customGrad when the active backend registers them) and the last-axis Softmax.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

// Kernel names shared with @vitkit/core (its kernel pack registers the same names for wasm).
export const GELU = 'VitkitGelu';
export const GELU_GRAD = 'VitkitGeluGrad';
export const LAYER_NORM = 'VitkitLayerNorm';
export const LAYER_NORM_GRAD = 'VitkitLayerNormGrad';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function gelu(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const out = backend.output([...x.shape]);
  backend.addon.gelu(backend.f32(x), out.values);
  return out.info;
}

/** dx = dy·(Φ(x) + x·φ(x)). */
function geluGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const out = backend.output([...x.shape]);
  backend.addon.geluGrad(backend.f32(dy), backend.f32(x), out.values);
  return out.info;
}

/** Inputs x, gamma, beta; attr eps. Outputs y, mean and rstd (one per row of x's last axis). */
function layerNorm(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const { eps } = args.attrs as { eps: number };
  const d = x.shape[x.shape.length - 1];
  const rows = d ? x.shape.reduce((a, b) => a * b, 1) / d : 0;
  const y = backend.output([...x.shape]);
  const mean = backend.output([rows]);
  const rstd = backend.output([rows]);
  backend.addon.layerNorm(backend.f32(x), backend.f32(gamma), backend.f32(beta), y.values, mean.values, rstd.values, eps);
  return [y.info, mean.info, rstd.info];
}

/** Inputs dy, x, mean, rstd, gamma. Outputs dx, dgamma, dbeta. */
function layerNormGrad(args: Args): tf.TensorInfo[] {
  const backend = asNative(args.backend);
  const { dy, x, mean, rstd, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'rstd' | 'gamma', tf.TensorInfo>;
  const d = x.shape[x.shape.length - 1];
  const dx = backend.output([...x.shape]);
  const dgamma = backend.output([d]);
  const dbeta = backend.output([d]);
  const f = (t: tf.TensorInfo) => backend.f32(t);
  backend.addon.layerNormGrad(f(dy), f(x), f(mean), f(rstd), f(gamma), dx.values, dgamma.values, dbeta.values);
  return [dx.info, dgamma.info, dbeta.info];
}

function softmax(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { logits } = args.inputs as { logits: tf.TensorInfo };
  const { dim } = (args.attrs ?? {}) as { dim?: number };
  const last = logits.shape.length - 1;
  const axis = dim === undefined || dim === -1 ? last : dim;
  if (logits.dtype !== 'float32' || axis !== last || logits.shape.length === 0) return runCpuKernel('Softmax', { ...args, backend } as KernelArgs) as tf.TensorInfo;
  const out = backend.output([...logits.shape]);
  if (out.values.length) backend.addon.softmax(backend.f32(logits), out.values, logits.shape[last]);
  return out.info;
}

export const fusedOpConfigs = [
  { kernelName: GELU, kernelFunc: gelu as unknown as tf.KernelFunc },
  { kernelName: GELU_GRAD, kernelFunc: geluGrad as unknown as tf.KernelFunc },
  { kernelName: LAYER_NORM, kernelFunc: layerNorm as unknown as tf.KernelFunc },
  { kernelName: LAYER_NORM_GRAD, kernelFunc: layerNormGrad as unknown as tf.KernelFunc },
  { kernelName: 'Softmax', kernelFunc: softmax as unknown as tf.KernelFunc },
];
