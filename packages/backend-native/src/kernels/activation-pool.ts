// Relu, its gradient (core's RELU_GRAD_KERNEL; tfjs's own multiplies by Step), Exp and MaxPool in the addon (src/addon/pool.c); other dtypes and
// ranks use the cpu kernels.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

// Kernel name shared with @vitkit/core (RELU_GRAD_KERNEL).
export const RELU_GRAD = 'VitkitReluGrad';

const RELU = 0;
const STEP = 1;
const EXP = 2;

function unary(name: 'Relu' | 'Step' | 'Exp', op: number) {
  return (args: Args): tf.TensorInfo => {
    const backend = asNative(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return runCpuKernel(name, { ...(args as KernelArgs), backend }) as tf.TensorInfo;
    const out = backend.output([...x.shape]);
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
    if (out.values.length) backend.addon.unary(op, backend.f32(x), out.values, alpha);
    return out.info;
  };
}

/** Core's RELU_GRAD_KERNEL: inputs dy and y (ReLU's output); output dy·step(y). */
function reluGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, y } = args.inputs as Record<'dy' | 'y', tf.TensorInfo>;
  if (dy.dtype !== 'float32' || y.dtype !== 'float32' || dy.shape.length !== y.shape.length || dy.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`${RELU_GRAD}: dy and y must be float32 of one shape, got ${dy.dtype} [${dy.shape}] and ${y.dtype} [${y.shape}]`);
  }
  const dx = backend.output([...dy.shape]);
  if (dx.values.length) backend.addon.reluGrad(backend.f32(dy), backend.f32(y), dx.values);
  return dx.info;
}

function maxPool(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x } = args.inputs as { x: tf.TensorInfo };
  const attrs = args.attrs as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (x.dtype !== 'float32' || x.shape.length !== 4) return runCpuKernel('MaxPool', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  if (out.values.length) {
    const geometry = Float64Array.from([
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    ]);
    backend.addon.maxPool(backend.f32(x), out.values, geometry);
  }
  return out.info;
}

export const activationPoolConfigs = [
  { kernelName: 'Relu', kernelFunc: unary('Relu', RELU) as unknown as tf.KernelFunc },
  { kernelName: 'Step', kernelFunc: unary('Step', STEP) as unknown as tf.KernelFunc },
  { kernelName: RELU_GRAD, kernelFunc: reluGrad as unknown as tf.KernelFunc },
  { kernelName: 'Exp', kernelFunc: unary('Exp', EXP) as unknown as tf.KernelFunc },
  { kernelName: 'MaxPool', kernelFunc: maxPool as unknown as tf.KernelFunc },
];
