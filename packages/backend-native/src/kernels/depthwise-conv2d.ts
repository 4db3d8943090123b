// DepthwiseConv2dNative (NHWC, float32) in the addon (src/addon/depthwise.c): the T2T soft split's one-hot
// depthwise convolution among others. Its gradients stay the cpu kernels'.
import * as tf from '@tensorflow/tfjs';
import { asNative } from '../backend';
import { KernelArgs, runCpuKernel } from './cpu-fallback';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function depthwiseConv2d(args: Args): tf.TensorInfo {
  const backend = asNative(args.backend);
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat?: 'NHWC' | 'NCHW';
    dilations?: number | [number, number];
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    return runCpuKernel('DepthwiseConv2dNative', { ...(args as KernelArgs), backend }) as tf.TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const out = backend.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  if (out.values.length) {
    const geometry = Float64Array.from([
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels / info.inChannels, info.outHeight, info.outWidth,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    ]);
    backend.addon.depthwiseConv2d(backend.f32(x), backend.f32(filter), out.values, geometry);
  }
  return out.info;
}

export const depthwiseConv2dConfig = { kernelName: 'DepthwiseConv2dNative', kernelFunc: depthwiseConv2d as unknown as tf.KernelFunc };
