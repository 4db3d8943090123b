// MaxPoolGrad in the addon (src/addon/pool.c), images split over the pool: each window's first strict maximum (the
// cpu kernel's rule, so ties and NaNs agree) receives the window's dy. The cpu kernel reaches every element through
// TensorBuffer.get (≈1.6 s of a vt_resnet18 training step at batch 4).
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function maxPoolGrad(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) {
    return runCpuKernel('MaxPoolGrad', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.output([...input.shape]);
  if (out.values.length) {
    const geometry = Float64Array.from([
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.effectiveFilterHeight, info.effectiveFilterWidth,
      info.strideHeight, info.strideWidth, 1, 1, info.padInfo.top, info.padInfo.left,
    ]);
    backend.addon.maxPoolGrad(backend.f32(dy), backend.f32(input), out.values, geometry);
  }
  return out.info;
}

export const maxPoolGradConfig = { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc };
